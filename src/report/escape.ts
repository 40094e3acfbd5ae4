/** Text for HTML and SVG (element content and double-quoted attributes): the one escape of the reports. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
