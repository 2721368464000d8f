/**
 * What the open page holds that the server does not have yet (worksheet edits not acknowledged, a
 * review draft not saved, a comment being written), as the parts of the page that hold it tell. A reload the page did not
 * ask for (the user's role changed) waits until there is none.
 */
const holders = new Set<() => boolean>();

/** Registers a check that answers whether some work is still unsaved; returns the function that removes it. */
export function holdUnsavedWork(isUnsaved: () => boolean): () => void {
  holders.add(isUnsaved);
  return () => holders.delete(isUnsaved);
}

export function hasUnsavedWork(): boolean {
  for (const isUnsaved of holders) if (isUnsaved()) return true;
  return false;
}
