/// <reference lib="dom" />
/*
 * The web page at `/`: a grid of panels the trader arranges (grid.ts, panel.ts, kept in localStorage by
 * layout-store.ts) — lists, the trader's own scans (scan-editor.ts) and the alert window (alert-panel.ts) —, a
 * symbol search (search.ts) and a detail drawer (detail.ts), and the header's status (status.ts), all kept
 * current by the client SDK (connection.ts). Bundled by assets.ts (esbuild) when the gateway starts. This module
 * only wires them together.
 */
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';
import type { AnyListName, ListMessage, ScanRow } from '../../shared/protocol/messages.js';
import { LIST_NAMES } from '../../shared/scan/lists.js';
import type { ListClientError } from '../../shared/sdk/list-client.js';
import { AlertSound } from './alert-sound.js';
import { AlertStore, isFresh } from './alert-store.js';
import { connect } from './connection.js';
import { DetailDrawer, type LiveSymbol } from './detail.js';
import { byId } from './dom.js';
import { PanelGrid } from './grid.js';
import type { Density } from './layout-store.js';
import { ScanEditor } from './scan-editor.js';
import type { Match } from './search-match.js';
import { SymbolSearch } from './search.js';
import { StatusBar } from './status.js';
import { PanelSubscriptions } from './subscriptions.js';

function main(): void {
  const client = connect();
  const status = new StatusBar();
  const banner = byId('error');
  const alerts = new AlertStore();
  const sound = new AlertSound(localStorage);
  sound.unlockOnGesture(document);
  /** The gateway's clock minus this page's (from the heartbeats): an alert is news by the gateway's clock. */
  let clockSkewMs = 0;

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
  const detail = new DetailDrawer(byId('detail'), live, (symbol) =>
    alerts.alerts.filter((a) => a.symbol === symbol),
  );
  const rowsOf = (list: string) =>
    client.snapshot(list as AnyListName) ? client.rows(list as AnyListName) : undefined;
  const add = byId<HTMLSelectElement>('add-panel');
  const subscriptions = new PanelSubscriptions(client, {
    missing: (list, reason) => grid.setMissing(list, reason),
    alertWhere: () => grid.alertPanel?.where ?? [],
  });
  const grid: PanelGrid = new PanelGrid({
    main: byId('lists'),
    storage: localStorage,
    rowsOf,
    onOpen: (symbol) => detail.open(symbol),
    onLists: (lists) => subscriptions.sync(lists),
    alerts: {
      store: alerts,
      sound,
      onWhere: (where) => {
        // The held alerts matched the old filter: the window refills with the new one's.
        alerts.clear();
        grid.alertPanel?.refresh();
        client.subscribeAlerts(where);
      },
    },
  });
  status.onSource((source) => grid.setSource(source));
  const fillAddMenu = () => {
    add.replaceChildren(new Option('+ Panel', ''));
    for (const { list, title } of grid.addableLists()) add.append(new Option(title, list));
  };

  const editor = new ScanEditor(byId('scans'), {
    define: (id, scan) => client.defineScan(id, scan),
    undefine: (id) => client.removeScan(id),
    watch: (list) => client.subscribe([list as AnyListName]),
    unwatch: (list) => {
      if (!subscriptions.holds(list)) client.unsubscribe([list as AnyListName]);
    },
    openPanel: (list) => grid.ensure(list),
    closePanels: (list) => grid.removeList(list),
    rowsOf,
    onOpen: (symbol) => detail.open(symbol),
    known: (scans, savedRead) => {
      grid.setScans(scans);
      fillAddMenu();
      subscriptions.setKnown(
        scans.map((s) => s.id),
        savedRead,
      );
    },
    session: sessionStorage,
  });
  for (const s of editor.sessionDefinitions) client.defineScan(s.id, s.definition);
  subscriptions.sync(grid.lists());
  // Panels of saved scans in the stored layout: subscribed once the token's saved scans are read.
  if (grid.lists().some((l) => l.startsWith('scan:'))) void editor.refreshSaved();
  byId('open-scans').addEventListener('click', () => editor.open());

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

  fillAddMenu();
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
  client.onFreshness((f, ts) => {
    status.setFreshness(f);
    clockSkewMs = Date.parse(ts) - Date.now() || 0;
  });
  client.onAlert((a: AlertMessage) => {
    if (!alerts.add(a)) return;
    grid.alertPanel?.arrived(a, isFresh(a, Date.now() + clockSkewMs));
    if (detail.openSymbol === a.symbol) detail.refresh();
  });
  client.onError((e: ListClientError) => {
    if (e.source === 'server') {
      // A refusal of what the scan editor or the alert filter just sent is shown beside them.
      if (editor.claimError(e.code, e.message) || grid.alertPanel?.claimError(e.code, e.message)) return;
      // A panel's scan that is neither defined on this connection nor saved for the token: the panel says so.
      if (e.code === 'unknown_list' && subscriptions.refused(e.message)) return;
    }
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
    editor.render(list, rows, msg.ts);
    status.listUpdated(msg.ts, rows[0]?.session ?? null);
    if (detail.openSymbol !== undefined) detail.refresh();
  });
  status.start();
  client.start();
}

main();
