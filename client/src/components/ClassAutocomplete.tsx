import { createMemo, createSignal, For, Show } from 'solid-js';
import { type ClassLabel, classOptions } from '../lib/class-options';
import { FieldError } from './FieldError';

export interface ClassAutocompleteProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  classes: readonly ClassLabel[];
  /** The image's top predictions, offered first. */
  suggested: readonly ClassLabel[];
  error?: string;
  placeholder?: string;
}

/** A class field with autocomplete over the 1000 labels (WAI-ARIA combobox: arrows, Enter, Escape). */
export function ClassAutocomplete(props: ClassAutocompleteProps) {
  const [open, setOpen] = createSignal(false);
  const [active, setActive] = createSignal(0);
  const options = createMemo(() => classOptions(props.value, props.classes, props.suggested));
  const listId = () => `${props.id}-options`;
  const optionId = (i: number) => `${props.id}-option-${i}`;

  const choose = (name: string) => {
    props.onChange(name);
    setOpen(false);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const n = options().length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open()) setOpen(true);
      else if (n) setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (e.key === 'Enter' && open() && n) {
      e.preventDefault();
      choose(options()[Math.min(active(), n - 1)].name);
    } else if (e.key === 'Escape' && open()) {
      e.preventDefault();
      setOpen(false);
    }
  };

  return (
    <div class="field combobox">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="text"
        role="combobox"
        autocomplete="off"
        spellcheck={false}
        aria-autocomplete="list"
        aria-expanded={open() && options().length > 0}
        aria-controls={listId()}
        aria-activedescendant={open() && options().length ? optionId(active()) : undefined}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `error-${props.id}` : undefined}
        placeholder={props.placeholder}
        value={props.value}
        onInput={(e) => {
          props.onChange(e.currentTarget.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <Show when={open() && options().length > 0}>
        <ul class="options" id={listId()} role="listbox" aria-label={`${props.label} choices`}>
          <For each={options()}>
            {(o, i) => (
              <li
                id={optionId(i())}
                role="option"
                aria-selected={i() === active()}
                classList={{ suggested: o.suggested }}
                // mousedown, not click: it fires before the input's blur closes the list.
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(o.name);
                }}
              >
                <span>{o.name}</span>
                <span class="hint">{o.suggested ? 'top prediction' : o.index >= 0 ? `#${o.index}` : 'score'}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <FieldError id={`error-${props.id}`} message={props.error} />
    </div>
  );
}
