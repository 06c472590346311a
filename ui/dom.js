// Building the page from data without ever parsing data as HTML: every value becomes a text node
// or an attribute value. Session `info` is SQL text any client can send, so nothing rendered here
// is ever parsed as markup.

/**
 * An element: `h('td', { class: 'num', title: x }, child, ...)`. Children are nodes, strings,
 * numbers, bigints, null/undefined (skipped) or arrays of those. `on*` attributes must be
 * functions and become listeners; the CSP refuses inline handlers anyway.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) {
      if (typeof value !== 'function') throw new TypeError(`${name} must be a function`);
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** JSON text for display: pretty, bigints as their digits. */
export function pretty(value) {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}` : v), 2);
}

export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString(undefined, { hour12: false });
}

/**
 * A <details> whose open state survives the next refresh: refreshes rebuild the panels, and an
 * entry the user opened must stay open.
 */
export function keptOpen(openSet, key, summary, ...body) {
  const details = h('details', { open: openSet.has(key), dataset: { key } }, h('summary', {}, summary), ...body);
  details.addEventListener('toggle', () => (details.open ? openSet.add(key) : openSet.delete(key)));
  return details;
}
