// The Demand dashboard: a small framework-free app. It reads the dashboard's data routes, which call the same
// handlers as the HTTP API; the session is an HttpOnly cookie this script never sees, and writes carry the
// session's CSRF token in a header.
(() => {
  'use strict';
  const lang = document.documentElement.lang === 'zh-CN' ? 'zh-CN' : 'en';
  const T = window.DemandI18n[lang];
  const root = '/api/dashboard';
  const main = document.getElementById('main');
  const state = { merchantId: null, csrf: null, categories: null };

  // ---- formatting in the page's locale ----
  const num = (v, digits = 1) => new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(v);
  const pct = v => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(v);
  const money = v => new Intl.NumberFormat(lang, { style: 'currency', currency: 'USD', maximumFractionDigits: 2 }).format(v);
  const date = s => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(s));
  const dateTime = s => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(s));
  const duration = seconds => seconds < 90 ? num(seconds, seconds < 10 ? 1 : 0) + ' s' : seconds < 5400 ? num(seconds / 60, 0) + ' min' : num(seconds / 3600, 1) + ' h';
  const fill = (text, ...args) => args.reduce((s, a, i) => s.replace('{' + i + '}', a), text);

  // ---- DOM: elements are built, never parsed from strings, so review text and ids cannot inject markup ----
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }
  const table = (caption, headers, rows, testId) => h('div', { class: 'table-wrap' },
    h('table', { 'data-testid': testId },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map(r => h('tr', {}, r.map((c, i) => i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))));
  const empty = text => h('p', { class: 'empty', 'data-testid': 'empty' }, text);
  const figure = (label, value, testId) => h('div', { class: 'figure' }, h('dt', {}, label), h('dd', { 'data-testid': testId }, value));
  const section = (title, ...children) => h('section', { 'aria-labelledby': 'h-' + slug(title) }, h('h2', { id: 'h-' + slug(title) }, title), ...children);
  const slug = s => String(s).toLowerCase().replace(/[^a-z0-9\u4e00-\u9fff]+/g, '-');

  // ---- data ----
  const api = path => root + '/v1/merchants/' + encodeURIComponent(state.merchantId) + path;
  async function get(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (response.status === 401) { signedOut(); throw new Error('401'); }
    return { status: response.status, body: response.status === 200 ? await response.json() : null };
  }
  async function send(method, path, body) {
    const response = await fetch(path, {
      method, credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRF-Token': state.csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401) { signedOut(); throw new Error('401'); }
    return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? await response.json() : null };
  }
  async function categories() {
    if (!state.categories) {
      const forecast = await get(api('/insights/demand'));
      state.categories = forecast.status === 200 ? forecast.body.categories.map(c => c.categoryId).sort() : [];
    }
    return state.categories;
  }

  // ---- charts (uPlot, from node_modules via the build) ----
  const palette = ['#1f5fa8', '#b34a00', '#2e7d32', '#6a1b9a'];
  function barChart(label, names, series, testId) {
    const holder = h('figure', { class: 'chart', 'data-testid': testId },
      h('figcaption', {}, label),
      h('div', { class: 'legend' }, series.map((s, i) => h('span', {}, h('span', { class: 'swatch', 'data-color': i }), s.label))));
    const canvas = h('div', { role: 'img', 'aria-label': label + ': ' + names.map((n, i) => n + ' ' + series.map(s => s.label + ' ' + num(s.values[i] ?? 0)).join(', ')).join('; ') });
    holder.append(canvas);
    requestAnimationFrame(() => {
      if (!holder.isConnected || names.length === 0) return;
      const xs = names.map((_, i) => i);
      const groups = series.length;
      const slanted = names.length * 90 > holder.clientWidth;
      const short = name => name.length > 14 ? name.slice(0, 13) + '…' : name;
      const opts = {
        width: Math.max(280, holder.clientWidth - 8), height: 260, legend: { show: false }, cursor: { show: false },
        scales: { x: { time: false, range: () => [-0.6, names.length - 0.4] }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } },
        axes: [
          // Many categories: labels slanted and cut, so they never overlap (the table beside the chart has them whole).
          { splits: () => xs, values: (u, splits) => splits.map(i => short(names[i] ?? '')), rotate: slanted ? -40 : 0, size: slanted ? 100 : 40, gap: 4, font: '12px system-ui', stroke: '#333' },
          { values: (u, splits) => splits.map(v => num(v, 2)), font: '12px system-ui', stroke: '#333', size: 60 },
        ],
        series: [{}, ...series.map((s, i) => ({
          label: s.label, fill: palette[i], stroke: palette[i], width: 0,
          // Side by side: each series' bars start at their own offset within the category's slot (x0 and size in data units).
          paths: uPlot.paths.bars({ disp: { x0: { unit: 3, values: () => xs.map(x => x - 0.4 + i * 0.8 / groups) }, size: { unit: 3, values: () => [0.8 / groups] } } }),
          points: { show: false },
        }))],
      };
      const plot = new uPlot(opts, [xs, ...series.map(s => s.values)], canvas);
      const resize = () => holder.isConnected ? plot.setSize({ width: Math.max(280, holder.clientWidth - 8), height: 260 }) : window.removeEventListener('resize', resize);
      window.addEventListener('resize', resize);
    });
    return holder;
  }

  // ---- pages ----
  const pages = {
    async overview() {
      // The API's paged listing: the last 14 days, 100 reports a page, at most 10 pages; the first page carries the backlog.
      const since = new Date(Date.now() - 14 * 864e5).toISOString();
      const list = await get(api('/ingestions?limit=100&since=' + encodeURIComponent(since)));
      const lookup = lookupForm();
      if (list.status !== 200) return [h('h1', {}, T.overview.title), empty(T.overview.notAvailable), lookup];
      const parts = [...list.body.ingestions];
      for (let page = list.body, n = 1; page.continuation && n < 10; n++) {
        const next = await get(api('/ingestions?limit=100&since=' + encodeURIComponent(since) + '&continuation=' + encodeURIComponent(page.continuation)));
        if (next.status !== 200) break;
        page = next.body;
        parts.push(...page.ingestions);
      }
      if (parts.length === 0) return [h('h1', {}, T.overview.title), empty(T.overview.empty), lookup];
      const sum = k => parts.reduce((s, p) => s + (p[k] ?? 0), 0);
      const byDay = new Map();
      for (const p of parts) {
        const day = (p.firstEventAt ?? p.finishedAt).slice(0, 10); // the day the part's events cover
        const d = byDay.get(day) ?? { parts: 0, accepted: 0, rejected: 0, duplicates: 0 };
        d.parts++; d.accepted += p.accepted; d.rejected += p.rejected; d.duplicates += p.duplicates;
        byDay.set(day, d);
      }
      const reasons = new Map();
      for (const p of parts) for (const [r, n] of Object.entries(p.rejectsByReason ?? {})) reasons.set(r, (reasons.get(r) ?? 0) + n);
      const examples = new Map();
      for (const p of parts) for (const [r, list] of Object.entries(p.rejectExamples ?? {})) if (!examples.has(r) && list.length) examples.set(r, { part: p.blobName, ...list[0] });
      const example = e => h('span', { class: 'example' },
        h('span', { class: 'muted' }, fill(T.overview.exampleAt, num(e.line, 0), e.part)),
        e.detail ? [' ', e.detail] : null,
        e.excerpt ? [h('br'), h('code', {}, e.excerpt)] : [' ', h('span', { class: 'muted' }, T.overview.withheld)]);
      // Upload-to-profile lag where reports carry the upload time; otherwise each part's processing time.
      const uploaded = parts.some(p => p.uploadedAt);
      const lags = parts.map(p => (new Date(p.finishedAt) - new Date(uploaded ? p.uploadedAt ?? p.startedAt : p.startedAt)) / 1000).filter(x => x >= 0).sort((a, b) => a - b);
      const failed = parts.filter(p => p.status !== 'ingested');
      const days = [...byDay.keys()].sort();
      return [
        h('h1', {}, T.overview.title),
        h('dl', { class: 'figures' },
          figure(T.overview.parts, num(parts.length, 0), 'parts'), figure(T.overview.lines, num(sum('linesRead'), 0), 'lines'),
          figure(T.overview.accepted, num(sum('accepted'), 0), 'accepted'), figure(T.overview.rejected, num(sum('rejected'), 0), 'rejected'),
          figure(T.overview.duplicates, num(sum('duplicates'), 0), 'duplicates'),
          lags.length ? figure(uploaded ? T.overview.lag : T.overview.processing, fill(T.overview.lagValue, duration(lags[Math.floor(lags.length / 2)]), duration(lags[lags.length - 1])), 'lag') : null,
          list.body.backlog ? figure(T.overview.backlog, fill(T.overview.backlogValue, list.body.backlog.score === null ? '?' : num(list.body.backlog.score, 0), list.body.backlog.mine === null ? '?' : num(list.body.backlog.mine, 0)), 'backlog') : null),
        barChart(T.overview.perDay, days.map(d => date(d)), [{ label: T.overview.accepted, values: days.map(d => byDay.get(d).accepted) }, { label: T.overview.rejected, values: days.map(d => byDay.get(d).rejected) }], 'chart-days'),
        table(T.overview.perDay, [T.overview.day, T.overview.parts, T.overview.accepted, T.overview.rejected, T.overview.duplicates],
          days.map(d => [date(d), num(byDay.get(d).parts, 0), num(byDay.get(d).accepted, 0), num(byDay.get(d).rejected, 0), num(byDay.get(d).duplicates, 0)]), 'days'),
        reasons.size ? table(T.overview.reasons, [T.overview.reason, T.overview.count, T.overview.examples],
          [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([r, n]) => [r, num(n, 0), examples.has(r) ? example(examples.get(r)) : '—']), 'reasons') : null,
        section(T.overview.failed, failed.length === 0 ? h('p', {}, T.overview.none)
          : table(T.overview.failed, [T.overview.part, T.overview.status, T.overview.finished, T.overview.report],
            failed.map(p => [p.blobName, p.status, dateTime(p.finishedAt), h('button', { type: 'button', onclick: () => showReport(p.id) }, T.overview.report)]), 'failed')),
        lookup,
      ];
    },

    async demand() {
      const forecast = await get(api('/insights/demand'));
      if (forecast.status !== 200 || forecast.body.categories.length === 0) return [h('h1', {}, T.demand.title), empty(T.demand.empty)];
      const cats = [...forecast.body.categories].sort((a, b) => b.expectedBuyers - a.expectedBuyers);
      const change = c => c.lastWeekExpectedBuyers ? c.expectedBuyers / c.lastWeekExpectedBuyers - 1 : null;
      const trending = cats.filter(c => change(c) !== null && change(c) > 0).sort((a, b) => change(b) - change(a)).slice(0, 5);
      return [
        h('h1', {}, T.demand.title),
        h('p', { class: 'muted' }, fill(T.demand.builtAt, dateTime(forecast.body.builtAt))),
        barChart(T.demand.chart, cats.map(c => c.categoryId), [
          { label: T.demand.next, values: cats.map(c => c.expectedBuyers) },
          { label: T.demand.last, values: cats.map(c => c.lastWeekExpectedBuyers ?? 0) }], 'chart-demand'),
        table(T.demand.title, [T.demand.category, T.demand.next, T.demand.last, T.demand.change, T.demand.shoppers],
          cats.map(c => [c.categoryId, num(c.expectedBuyers), c.lastWeekExpectedBuyers === null ? '—' : num(c.lastWeekExpectedBuyers), change(c) === null ? '—' : pct(change(c)), num(c.shoppers, 0)]), 'demand'),
        section(T.demand.trending, trending.length === 0 ? h('p', {}, '—')
          : h('ol', { 'data-testid': 'trending' }, trending.map(c => h('li', {}, h('strong', {}, c.categoryId), ' ', pct(change(c)))))),
      ];
    },

    async segments(params) {
      const cats = await categories();
      if (cats.length === 0) return [h('h1', {}, T.segments.title), empty(T.segments.empty)];
      const category = cats.includes(params.get('category')) ? params.get('category') : cats[0];
      const segment = await get(api('/segments/' + encodeURIComponent(category) + '?limit=50'));
      const members = segment.status === 200 ? segment.body.members : [];
      return [
        h('h1', {}, T.segments.title),
        picker(T.segments.category, 'segment-category', cats, category, v => go('segments', { category: v })),
        h('p', {}, h('a', { class: 'button', href: api('/segments/' + encodeURIComponent(category) + '/csv'), download: 'segment-' + category + '.csv', 'data-testid': 'csv' }, T.segments.csv)),
        members.length === 0 ? empty(T.segments.emptyCategory)
          : table(T.segments.title + ': ' + category, [T.segments.shopper, T.segments.propensity],
            members.map(m => [h('a', { href: '#/shopper?user=' + encodeURIComponent(m.userId) }, m.userId), num(m.propensity, 3)]), 'segment'),
      ];
    },

    async needs(params) {
      const cats = await categories();
      if (cats.length === 0) return [h('h1', {}, T.needs.title), empty(T.needs.empty)];
      const category = cats.includes(params.get('category')) ? params.get('category') : cats[0];
      const result = await get(api('/categories/' + encodeURIComponent(category) + '/needs'));
      const head = [h('h1', {}, T.needs.title), picker(T.needs.category, 'needs-category', cats, category, v => go('needs', { category: v }))];
      if (result.status !== 200 || result.body.needs.length === 0) return [...head, empty(T.needs.empty)];
      const needs = result.body.needs;
      const products = [...new Set(needs.flatMap(n => n.topProducts))];
      const product = products.includes(params.get('product')) ? params.get('product') : null;
      const out = [...head,
        h('p', { class: 'muted' }, fill(T.needs.reviews, num(result.body.reviews, 0))),
        barChart(T.needs.chart, needs.slice(0, 8).map(n => n.need), [{ label: T.needs.share, values: needs.slice(0, 8).map(n => n.share) }], 'chart-needs'),
        table(T.needs.title + ': ' + category, [T.needs.need, T.needs.aspect, T.needs.mentions, T.needs.share, T.needs.products, T.needs.thisWeek, T.needs.lastWeek, T.needs.topProducts],
          needs.map(n => [n.need, n.aspect, num(n.mentions, 0), pct(n.share), num(n.products, 0), num(n.thisWeek, 0), num(n.lastWeek, 0),
            h('span', { class: 'chips' }, n.topProducts.map(p => h('a', { href: '#/needs?category=' + encodeURIComponent(category) + '&product=' + encodeURIComponent(p) }, p)))]), 'category-needs')];
      if (!product) return [...out, h('p', { class: 'muted' }, T.needs.pick)];
      const detail = await get(api('/products/' + encodeURIComponent(product) + '/needs'));
      if (detail.status !== 200) return [...out, empty(T.needs.emptyProduct)];
      const side = (title, list, testId) => h('section', { class: 'card', 'aria-label': title, 'data-testid': testId }, h('h3', {}, title),
        list.length === 0 ? h('p', {}, '—') : h('ul', { class: 'needs' }, list.map(n => h('li', {},
          h('strong', {}, n.need), ' ', h('span', { class: 'muted' }, pct(n.share) + ' · ' + num(n.mentions, 0)),
          (n.quotes ?? []).length ? h('ul', { class: 'quotes', 'aria-label': T.needs.quotes }, n.quotes.map(q => h('li', {}, h('q', {}, q)))) : null))));
      return [...out, h('section', { 'aria-labelledby': 'h-product' }, h('h2', { id: 'h-product' }, T.needs.product + ' ' + product),
        h('div', { class: 'split' },
          side(T.needs.unmet, detail.body.needs.filter(n => n.polarity === 'negative'), 'unmet'),
          side(T.needs.satisfied, detail.body.needs.filter(n => n.polarity !== 'negative'), 'satisfied')))];
    },

    async shopper(params) {
      const user = params.get('user') ?? '';
      const form = h('form', { class: 'inline', role: 'search', onsubmit: e => { e.preventDefault(); go('shopper', { user: e.target.elements.user.value.trim() }); } },
        h('label', { for: 'user' }, T.shopper.user), h('input', { id: 'user', name: 'user', value: user, required: true, autocomplete: 'off' }), h('button', { type: 'submit' }, T.shopper.find));
      const head = [h('h1', {}, T.shopper.title), form];
      if (!user) return [...head, empty(T.shopper.empty)];
      if (params.get('erased')) return [...head, h('p', { class: 'notice', role: 'status', 'data-testid': 'erased' }, fill(T.shopper.erased, user))];
      const profile = await get(api('/users/' + encodeURIComponent(user) + '/profile'));
      if (profile.status !== 200) return [...head, empty(fill(T.shopper.notFound, user))];
      const p = profile.body;
      const dialog = h('dialog', { 'aria-labelledby': 'erase-title', 'data-testid': 'confirm' },
        h('h2', { id: 'erase-title' }, T.shopper.confirmTitle), h('p', {}, fill(T.shopper.confirmText, user)),
        h('form', { method: 'dialog', class: 'actions' },
          h('button', { value: 'cancel', autofocus: true }, T.shopper.cancel),
          h('button', { value: 'erase', class: 'danger', 'data-testid': 'confirm-erase' }, T.shopper.confirm)));
      dialog.addEventListener('close', async () => {
        if (dialog.returnValue !== 'erase') return;
        const result = await send('DELETE', api('/users/' + encodeURIComponent(user)));
        if (result.status === 200) go('shopper', { user, erased: '1' });
        else render(() => [h('p', { class: 'error', role: 'alert' }, fill(T.error, result.status))]);
      });
      return [...head,
        h('p', { class: 'muted' }, fill(T.shopper.model, p.modelVersion ?? '—', dateTime(p.updatedAt))),
        table(T.shopper.categories, [T.shopper.category, T.shopper.propensity, T.shopper.expected, T.shopper.reasons],
          p.categories.map(c => [c.categoryId, num(c.propensity, 3), c.expectedNextPurchase ? date(c.expectedNextPurchase) : T.shopper.none,
            h('ul', { class: 'reasons' }, c.reasons.map(r => h('li', {}, r.signal)))]), 'profile-categories'),
        section(T.shopper.needs, p.needs.length === 0 ? h('p', {}, T.shopper.noNeeds) : table(T.shopper.needs, [T.shopper.needs, T.shopper.polarity, T.needs.product, T.shopper.evidence],
          p.needs.map(n => [n.need, n.polarity === 'negative' ? T.shopper.negative : T.shopper.positive, n.productId ?? '—', h('ul', { class: 'quotes' }, n.evidence.map(e => h('li', {}, h('q', {}, e.text))))]), 'profile-needs')),
        h('div', { class: 'actions' },
          h('button', { type: 'button', 'data-testid': 'export', onclick: () => exportUser(user) }, T.shopper.export),
          h('button', { type: 'button', class: 'danger', 'data-testid': 'erase', onclick: () => dialog.showModal() }, T.shopper.erase)),
        dialog];
    },

    async model() {
      const [model, card] = await Promise.all([get(api('/model')), get(api('/model/card'))]);
      const m = model.body;
      const run = m?.lastTraining;
      const promotions = m?.promotions ?? [];
      const outcomes = m?.outcomes ?? [];
      const bestBaseline = o => Math.max(...o.baselines.map(b => b.recallAt5 ?? 0));
      const maybe = (v, digits) => v === null || v === undefined ? '—' : num(v, digits);
      return [
        h('h1', {}, T.model.title),
        m ? h('dl', { class: 'figures' }, figure(T.model.version, m.activeVersion, 'model-version'), figure(T.model.kind, m.name, 'model-name'),
          run ? figure(T.model.trained, dateTime(run.at), 'model-trained') : null) : null,
        run ? section(T.model.backtest,
          h('p', { class: 'muted' }, fill(T.model.backtestWindow, date(run.backTestFrom), date(run.historyEnd), num(run.backTestBuyers, 0)) + ' ' + run.reason),
          table(T.model.backtest, [T.model.ranker, T.model.kindColumn, 'AUC', 'Recall@5'],
            run.backTest.map(f => [f.name + (f.name === run.winner ? ' ★' : ''), f.kind, num(f.auc, 3), num(f.recallAt5, 3)]), 'backtest'),
          // The outcomes the gate read: a recipe that lost on them was left out of this run.
          (run.live ?? []).length ? [
            h('p', { class: 'muted' }, T.model.liveHelp),
            table(T.model.live, [T.model.recipe, T.model.horizons, T.model.liveBuyers, 'Recall@5', T.model.bestBaseline, T.model.verdict],
              run.live.map(r => [r.recipe, num(r.horizons, 0), num(r.buyers, 0), num(r.recallAt5, 3), r.bestBaseline + ' ' + num(r.bestBaselineRecallAt5, 3), r.losing ? T.model.losing : T.model.holding]), 'live'),
          ] : null)
          : empty(T.model.noTraining),
        promotions.length ? section(T.model.tracking,
          barChart(T.model.tracking, promotions.map(p => date(p.at)), [{ label: 'Recall@5', values: promotions.map(p => p.recallAt5) }, { label: T.model.bestBaseline, values: promotions.map(p => p.bestBaselineRecallAt5) }], 'chart-promotions'),
          table(T.model.tracking, [T.model.version, T.model.at, 'AUC', 'Recall@5', T.model.bestBaseline, T.model.reason],
            promotions.map(p => [p.version, dateTime(p.at), num(p.auc, 3), num(p.recallAt5, 3), num(p.bestBaselineRecallAt5, 3), p.reason]), 'promotions')) : null,
        // What was served, checked once its horizon had passed: the figures the back-test only promises.
        section(T.model.outcomes,
          h('p', { class: 'muted' }, T.model.outcomesHelp),
          outcomes.length ? [
            barChart(T.model.outcomes, outcomes.map(o => date(o.asOfDay)), [{ label: 'Recall@5', values: outcomes.map(o => o.recallAt5 ?? 0) }, { label: T.model.bestBaseline, values: outcomes.map(bestBaseline) }], 'chart-outcomes'),
            table(T.model.outcomes, [T.model.asOf, T.model.version, T.model.buyers, 'AUC', 'Recall@5', T.model.bestBaseline, 'ECE', T.model.predicted, T.model.observed],
              outcomes.map(o => [date(o.asOfDay), o.modelVersion, num(o.buyers, 0) + ' / ' + num(o.shoppers, 0), maybe(o.auc, 3), maybe(o.recallAt5, 3), num(bestBaseline(o), 3), num(o.ece, 3), pct(o.meanPropensity), pct(o.observedRate)]), 'outcomes'),
          ] : empty(T.model.noOutcomes)),
        card.status === 200 ? section(T.model.card,
          h('p', { class: 'muted' }, card.body.version + (card.body.featureVersion ? ' · ' + card.body.featureVersion : '')),
          table(T.model.card, [T.model.metric, T.model.value], Object.entries(card.body.metrics).map(([k, v]) => [k, num(v, 4)]), 'model-card')) : null,
      ];
    },

    async usage() {
      const months = [];
      const now = new Date();
      for (let i = 5; i >= 0; i--) {
        const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
        months.push(d.toISOString().slice(0, 7));
      }
      const results = await Promise.all(months.map(m => get(api('/mining/usage?month=' + m))));
      const usage = results.map(r => r.body);
      const current = usage[usage.length - 1];
      const monthName = m => new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(m + '-01'));
      return [
        h('h1', {}, T.usage.title),
        current.reviews === 0 ? empty(T.usage.empty) : null,
        h('dl', { class: 'figures' },
          figure(T.usage.reviews, num(current.reviews, 0), 'usage-reviews'), figure(T.usage.cache, num(current.fromCache, 0), 'usage-cache'),
          figure(T.usage.requests, num(current.requests, 0), 'usage-requests'), figure(T.usage.cost, money(current.estimatedCost), 'usage-cost')),
        barChart(T.usage.chart, months.map(monthName), [{ label: T.usage.cost, values: usage.map(u => u.estimatedCost) }], 'chart-usage'),
        table(T.usage.title, [T.usage.month, T.usage.reviews, T.usage.cache, T.usage.requests, T.usage.retries, T.usage.tokensIn, T.usage.tokensOut, T.usage.fallback, T.usage.cost],
          usage.map(u => [monthName(u.month), num(u.reviews, 0), num(u.fromCache, 0), num(u.requests, 0), num(u.retries, 0), num(u.inputTokens, 0), num(u.outputTokens, 0), num(u.fallbackReviews, 0), money(u.estimatedCost)]).reverse(), 'usage'),
      ];
    },

    async mapping() {
      const mapping = await get(api('/mapping'));
      if (mapping.status !== 200) return [h('h1', {}, T.mapping.title), empty(T.mapping.notAvailable)];
      const output = h('div', { 'aria-live': 'polite', 'data-testid': 'dry-run' });
      const form = h('form', { onsubmit: async e => {
        e.preventDefault();
        const sample = e.target.elements.sample.value;
        if (!sample.trim()) { output.replaceChildren(h('p', { class: 'error' }, T.mapping.emptySample)); return; }
        const result = await send('POST', api('/mapping/dry-run'), { sample });
        if (result.status !== 200) { output.replaceChildren(h('p', { class: 'error', role: 'alert' }, result.body?.detail ?? fill(T.error, result.status))); return; }
        const r = result.body;
        output.replaceChildren(h('h2', {}, T.mapping.result),
          h('dl', { class: 'figures' }, figure(T.mapping.accepted, num(r.accepted, 0), 'dry-accepted'), figure(T.mapping.rejected, num(r.rejected, 0), 'dry-rejected')),
          table(T.mapping.result, [T.mapping.row, T.mapping.reason, T.mapping.event],
            (r.rows ?? []).map(x => [x.line ? num(x.line, 0) : '—', x.reason ?? '✓', x.event ? h('code', {}, JSON.stringify(x.event)) : '—']), 'dry-rows'),
          r.error ? h('p', { class: 'error' }, r.error) : null);
      } },
      h('label', { for: 'sample' }, T.mapping.sample), h('textarea', { id: 'sample', name: 'sample', rows: 6, spellcheck: 'false' }),
      h('button', { type: 'submit' }, T.mapping.dryRun));
      return [h('h1', {}, T.mapping.title), section(T.mapping.active, h('p', { class: 'muted' }, mapping.body.name ?? ''), h('pre', { 'data-testid': 'mapping', tabindex: '0' }, JSON.stringify(mapping.body.mapping ?? mapping.body, null, 2))), form, output];
    },
  };

  function picker(label, id, values, selected, onchange) {
    return h('p', { class: 'inline' }, h('label', { for: id }, label),
      h('select', { id, onchange: e => onchange(e.target.value) }, values.map(v => h('option', { value: v, selected: v === selected }, v))));
  }
  function lookupForm() {
    const out = h('div', { 'aria-live': 'polite' });
    return h('section', { 'aria-labelledby': 'h-lookup' }, h('h2', { id: 'h-lookup' }, T.overview.report),
      h('form', { class: 'inline', onsubmit: e => { e.preventDefault(); showReport(e.target.elements.ingestion.value.trim(), out); } },
        h('label', { for: 'ingestion' }, T.overview.lookup), h('input', { id: 'ingestion', name: 'ingestion', autocomplete: 'off', required: true }),
        h('button', { type: 'submit' }, T.overview.lookupButton)), out);
  }
  async function showReport(id, into) {
    const target = into ?? main.querySelector('[aria-live]') ?? main;
    const report = await get(api('/ingestions/' + encodeURIComponent(id.replace(/^ingestion\./, ''))));
    target.replaceChildren(report.status === 200 ? h('pre', { 'data-testid': 'report', tabindex: '0' }, JSON.stringify(report.body, null, 2)) : empty(T.overview.notFound));
  }
  async function exportUser(user) {
    const result = await get(api('/users/' + encodeURIComponent(user) + '/export'));
    if (result.status !== 200) return;
    const url = URL.createObjectURL(new Blob([JSON.stringify(result.body, null, 2)], { type: 'application/json' }));
    const a = h('a', { href: url, download: 'shopper-' + user + '.json' });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---- routing: #/page?query ----
  function go(page, query) {
    const q = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v)).toString();
    location.hash = '#/' + page + (q ? '?' + q : '');
  }
  function route() {
    const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
    const page = pages[path] ? path : 'overview';
    document.querySelectorAll('#nav a').forEach(a => a.dataset.page === page ? a.setAttribute('aria-current', 'page') : a.removeAttribute('aria-current'));
    document.title = T.pages[page] + ' · Demand';
    render(() => pages[page](new URLSearchParams(query ?? '')), page);
  }
  let renderCount = 0;
  async function render(build, page) {
    const mine = ++renderCount;
    main.setAttribute('aria-busy', 'true');
    main.replaceChildren(h('p', { class: 'muted' }, T.loading));
    try {
      const content = await build();
      if (mine !== renderCount) return;
      main.replaceChildren(...[content].flat().filter(Boolean));
      main.dataset.page = page ?? '';
    } catch (e) {
      if (mine !== renderCount || e.message === '401') return;
      main.replaceChildren(h('p', { class: 'error', role: 'alert' }, fill(T.error, e.message)), h('button', { type: 'button', onclick: route }, T.retry));
    } finally {
      if (mine === renderCount) { main.removeAttribute('aria-busy'); main.dataset.ready = String(mine); }
    }
  }

  function signedOut(problem) {
    state.merchantId = null;
    document.getElementById('nav').replaceChildren();
    document.getElementById('signout').hidden = true;
    document.getElementById('merchant').textContent = '';
    const message = problem ? T.signIn[problem] ?? T.signedOutNow : null;
    main.replaceChildren(
      h('h1', {}, T.signIn.title),
      message ? h('p', { class: 'error', role: 'alert', 'data-testid': 'signin-problem' }, message) : null,
      h('p', {}, T.signIn.intro), h('pre', {}, T.signIn.command),
      // A plain form post: the key goes from the password field to the server and never through this script.
      h('form', { method: 'post', action: root + '/session', class: 'signin' },
        h('label', { for: 'key' }, T.signIn.key),
        h('input', { id: 'key', name: 'key', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false' }),
        h('button', { type: 'submit' }, T.signIn.submit)));
    main.dataset.page = 'sign-in';
    main.dataset.ready = String(++renderCount);
  }

  async function start() {
    document.getElementById('skip').textContent = T.skip;
    document.getElementById('lang-label').textContent = T.language;
    document.getElementById('nav').setAttribute('aria-label', T.nav);
    const select = document.getElementById('lang');
    select.value = lang;
    select.addEventListener('change', () => {
      document.cookie = 'demand_lang=' + select.value + '; path=' + root + '; max-age=31536000; samesite=strict';
      location.reload();
    });
    const signout = document.getElementById('signout');
    signout.textContent = T.signOut;
    signout.addEventListener('click', async () => { await send('DELETE', root + '/session'); location.replace(root); });

    const response = await fetch(root + '/session', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    const session = response.ok ? await response.json() : null;
    if (!session?.merchantId) { signedOut(new URLSearchParams(location.search).get('signin')); return; }
    if (location.search) history.replaceState(null, '', root + location.hash);
    state.merchantId = session.merchantId;
    state.csrf = session.csrfToken;
    document.getElementById('merchant').textContent = session.merchantId;
    signout.hidden = false;
    document.getElementById('nav').replaceChildren(h('ul', {}, Object.keys(pages).map(p => h('li', {}, h('a', { href: '#/' + p, 'data-page': p }, T.pages[p])))));
    window.addEventListener('hashchange', route);
    route();
  }
  start();
})();
