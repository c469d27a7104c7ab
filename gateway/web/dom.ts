/// <reference lib="dom" />
/*
 * The few DOM helpers every module of the page uses. Elements are built with textContent only (never
 * innerHTML): symbol and company names come from the network.
 */

export interface ElementProps {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
}

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.title !== undefined) el.title = props.title;
  el.append(...children);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
}

export function button(text: string, label: string, onClick: () => void, className = ''): HTMLButtonElement {
  const b = element('button', { className, text, title: label });
  b.type = 'button';
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

/** Sets a text only when it changed (a live page rewrites thousands of cells a minute). */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Restarts a CSS animation class even when the element already has it. */
export function restartClass(el: HTMLElement, cls: string, all: readonly string[]): void {
  el.classList.remove(...all);
  void el.offsetWidth; // reflow: the animation starts again from its first frame
  el.classList.add(cls);
}
