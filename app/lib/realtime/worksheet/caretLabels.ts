import type { Awareness } from 'y-protocols/awareness';

/** How long a remote caret's name label stays shown after its owner's last presence change. */
const CARET_LABEL_MS = 3000;
const ACTIVE_CARET = 'collaboration-carets__caret--active';

/**
 * Remote carets whose name label shows only while their owner is active. The label sits over the
 * line above the caret, so it fades once the owner has not moved for CARET_LABEL_MS. ProseMirror
 * keeps a caret's DOM while it moves, so activity is marked on the elements (and on any element
 * built meanwhile, through `render`). Owners are told apart by the server-stamped `user.id`.
 */
export function caretLabels(container: HTMLElement, awareness: Awareness) {
  const active = new Map<string, ReturnType<typeof setTimeout>>();
  const caretsOf = (userId: string) =>
    [...container.querySelectorAll<HTMLElement>('.collaboration-carets__caret')].filter((caret) => caret.dataset.user === userId);

  const onChange = ({ added, updated }: { added: number[]; updated: number[] }) => {
    for (const clientId of [...added, ...updated]) {
      if (clientId === awareness.clientID) continue;
      const userId = (awareness.getStates().get(clientId) as { user?: { id?: unknown } } | undefined)?.user?.id;
      if (typeof userId !== 'string') continue;
      clearTimeout(active.get(userId));
      active.set(
        userId,
        setTimeout(() => {
          active.delete(userId);
          for (const caret of caretsOf(userId)) caret.classList.remove(ACTIVE_CARET);
        }, CARET_LABEL_MS),
      );
      // After the caret plugin has drawn this change.
      requestAnimationFrame(() => {
        if (active.has(userId)) for (const caret of caretsOf(userId)) caret.classList.add(ACTIVE_CARET);
      });
    }
  };
  awareness.on('change', onChange);

  return {
    /** Builds a caret (CollaborationCaret's `render`): coloured bar plus name label. */
    render(user: { name: string; color: string; id?: string }): HTMLElement {
      const caret = document.createElement('span');
      caret.classList.add('collaboration-carets__caret');
      caret.style.borderColor = user.color;
      caret.dataset.user = user.id ?? '';
      if (user.id && active.has(user.id)) caret.classList.add(ACTIVE_CARET);
      const label = document.createElement('div');
      label.classList.add('collaboration-carets__label');
      label.style.backgroundColor = user.color;
      label.append(document.createTextNode(user.name));
      caret.append(label);
      return caret;
    },
    destroy() {
      awareness.off('change', onChange);
      for (const timer of active.values()) clearTimeout(timer);
      active.clear();
    },
  };
}
