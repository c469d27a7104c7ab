/// <reference lib="dom" />
/*
 * The web page at `/`: a grid of list panels the trader arranges (grid.ts, panel.ts, kept in localStorage by
 * layout-store.ts), a symbol search (search.ts) and a detail drawer (detail.ts), and the header's status
 * (status.ts), all kept current by the client SDK (connection.ts). Bundled by assets.ts (esbuild) when the
 * gateway starts. This module only wires them together.
 */
import type { AnyListName, ListMessage, ScanRow } from '../../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../../shared/scan/lists.js';
import type { ListClientError } from '../../shared/sdk/list-client.js';
import { connect } from './connection.js';
import { DetailDrawer, type LiveSymbol } from './detail.js';
import { byId } from './dom.js';
import { PanelGrid } from './grid.js';
import type { Density } from './layout-store.js';
import type { Match } from './search-match.js';
import { SymbolSearch } from './search.js';
import { StatusBar } from './status.js';

const isListName = (list: string): list is ListName => (LIST_NAMES as readonly string[]).includes(list);

function main(): void {
  const client = connect();
  const status = new StatusBar();
  const banner = byId('error');

  const live = (symbol: string): LiveSymbol => {
    let row: ScanRow | undefined;
    const lists: (readonly [string, number])[] = [];
    for (const list of LIST_NAMES) {
      const found = client.rows(list).find((r) => r.symbol === symbol);
      if (!found) continue;
      row ??= found;
      lists.push([list, found.rank]);
    }
    return { row, lists };
  };
  const detail = new DetailDrawer(byId('detail'), live);
  const grid = new PanelGrid({
    main: byId('lists'),
    storage: localStorage,
    rowsOf: (list) => (isListName(list) && client.snapshot(list) ? client.rows(list) : undefined),
    onOpen: (symbol) => detail.open(symbol),
  });
  status.onSource((source) => grid.setSource(source));

  new SymbolSearch({
    input: byId<HTMLInputElement>('search'),
    results: byId('search-results'),
    localMatches: function* (): Iterable<Match> {
      for (const list of LIST_NAMES) {
        for (const r of client.rows(list))
          yield { symbol: r.symbol, companyName: r.companyName, inList: list };
      }
    },
    onPick: (symbol) => detail.open(symbol),
  });

  const add = byId<HTMLSelectElement>('add-panel');
  for (const { list, title } of grid.addableLists()) add.append(new Option(title, list));
  add.addEventListener('change', () => {
    if (add.value) grid.add(add.value);
    add.value = '';
  });
  const density = byId<HTMLButtonElement>('density');
  const showDensity = () => {
    const next: Density = grid.density === 'compact' ? 'comfortable' : 'compact';
    density.textContent = `Density: ${grid.density}`;
    density.title = `Switch to the ${next} density`;
    density.dataset.next = next;
  };
  density.addEventListener('click', () => {
    grid.setDensity(density.dataset.next as Density);
    showDensity();
  });
  showDensity();

  client.onStatus((s) => {
    status.setConnection(s);
    if (s === 'open') banner.hidden = true;
  });
  client.onFreshness((f) => status.setFreshness(f));
  client.onError((e: ListClientError) => {
    // A browser says nothing about a refused upgrade (a wrong token looks like a network error).
    banner.textContent =
      e.source === 'server'
        ? `${e.code}: ${e.message}`
        : e.source === 'transport'
          ? `Cannot reach the scanner (${e.message}). Retrying… If it needs a token, open /?token=…`
          : e.message;
    banner.hidden = false;
  });
  client.onList((list: AnyListName, rows: readonly ScanRow[], msg: ListMessage) => {
    grid.render(list, rows, msg.ts);
    status.listUpdated(msg.ts, rows[0]?.session ?? null);
    if (detail.openSymbol !== undefined) detail.refresh();
  });
  status.start();
  client.start();
}

main();
