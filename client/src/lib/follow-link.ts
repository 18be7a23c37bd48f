/** In-page navigation for a plain click on a link; a modified click (new tab, new window) keeps the browser's behaviour. */
export function followLink(e: MouseEvent, open: () => void) {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || e.button !== 0) return;
  e.preventDefault();
  open();
}
