// autocode review page. Plain DOM; every piece of transcript or codebook
// text is set through textContent (never innerHTML), so markup in a
// transcript shows as text.
'use strict';

(function () {
  const meta = (name) => document.querySelector('meta[name="' + name + '"]').getAttribute('content');
  const TOKEN = meta('autocode-token');
  const BLIND = meta('autocode-blind') === '1';
  const AUDIT = meta('autocode-audit') === '1';
  const $ = (id) => document.getElementById(id);

  const state = {
    meta: null,
    items: [],
    index: -1,
    detail: null,
    addMode: false,
    saving: false,
    view: 'queue',
    saved: 0,
    audit: null,
    auditPosition: -1,
    auditUnit: null,
  };

  // el('div', {class: 'x'}, 'text', child) — strings become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function setStatus(text, kind) {
    const s = $('status');
    s.textContent = text;
    s.className = kind || '';
  }

  function reviewer() {
    return $('reviewer').value.trim();
  }

  async function api(method, path, body) {
    const opts = {
      method,
      credentials: 'same-origin',
      headers: { 'X-Autocode-Token': TOKEN },
    };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, opts);
    } catch (e) {
      return { ok: false, status: 0, data: { error: 'server not reachable: ' + e.message } };
    }
    let data = null;
    const text = await resp.text();
    try { data = JSON.parse(text); } catch (_) { data = { error: text }; }
    return { ok: resp.ok, status: resp.status, data };
  }

  function codes() {
    return (state.meta && state.meta.codebook && state.meta.codebook.codes) || [];
  }

  function codeName(id) {
    const c = codes().find((c) => c.id === id);
    return c ? c.name : id;
  }

  // "3 Parent › Child": the number key (if any) and the place in the hierarchy.
  function codeLabel(c) {
    return (c.number ? c.number + ' ' : '') + c.path;
  }

  // A category (codable: false) is a folder of codes, never applied to a
  // sentence: a choice of code lists it as a heading that cannot be picked.
  function codeOption(c, label) {
    return c.codable === false
      ? el('option', { value: c.id, disabled: true, class: 'category' }, label + ' (category)')
      : el('option', { value: c.id }, label);
  }

  function pct(x) {
    return (typeof x === 'number') ? x.toFixed(2) : '–';
  }

  // ---------- meta and filters ----------

  function fillSelect(select, options, keepFirst) {
    const first = keepFirst ? select.options[0] : null;
    clear(select);
    if (first) select.appendChild(first);
    for (const [value, label] of options) select.appendChild(el('option', { value }, label));
  }

  async function loadMeta() {
    const r = await api('GET', '/api/meta');
    if (!r.ok) { setStatus(r.data.error || 'could not load', 'error'); return false; }
    state.meta = r.data;
    const code = $('f-code').value;
    fillSelect($('f-code'), codes().map((c) => [c.id, codeLabel(c)]), true);
    $('f-code').value = code;
    fillSelect($('f-document'), r.data.documents.map((d) => [d, d]), true);
    const attrs = [];
    for (const [k, values] of Object.entries(r.data.attributes)) {
      for (const v of values) attrs.push([k + '=' + v, k + ': ' + v]);
    }
    fillSelect($('f-attr'), attrs, true);
    return true;
  }

  function queueQuery() {
    const p = new URLSearchParams();
    const add = (k, v) => { if (v !== '' && v !== null && v !== undefined) p.set(k, v); };
    add('code', $('f-code').value);
    add('document', $('f-document').value);
    add('attr', $('f-attr').value);
    add('min', $('f-min').value);
    add('max', $('f-max').value);
    add('status', $('f-status').value);
    add('order', $('f-order').value);
    add('reviewer', reviewer());
    return p.toString();
  }

  // ---------- queue ----------

  async function loadQueue() {
    if (BLIND && !reviewer()) {
      renderEmpty('Blind mode: enter your reviewer name to see your queue.');
      return;
    }
    const r = await api('GET', '/api/queue?' + queueQuery());
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    state.items = r.data.items;
    renderQueue(r.data.total);
    const first = state.items.findIndex((i) => !i.reviewed);
    await select(first >= 0 ? first : (state.items.length ? 0 : -1));
  }

  function renderQueue(total) {
    const list = $('queue-list');
    clear(list);
    list.appendChild(el('li', { class: 'queue-count' },
      state.items.length + (total > state.items.length ? ' of ' + total : '') + ' items'));
    state.items.forEach((it, i) => {
      list.appendChild(el('li', {
        class: 'queue-item' + (i === state.index ? ' current' : '') + (it.reviewed ? ' reviewed' : ''),
        dataset: { index: String(i) },
        // Reachable by Tab and chosen by Enter or Space, as by a click.
        role: 'button',
        tabindex: 0,
        onclick: () => select(i),
        onkeydown: (e) => {
          if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(i); }
        },
      },
      el('span', { class: 'q-code' }, codeName(it.code_id)),
      el('span', { class: 'q-conf', title: it.calibrated === false ? 'uncalibrated score: no labels calibrated this code yet' : 'calibrated probability' },
        pct(it.confidence) + (it.calibrated === false ? '?' : '')),
      el('span', { class: 'q-text' }, it.text)));
    });
  }

  function renderEmpty(text) {
    const box = $('item');
    clear(box);
    delete box.dataset.segment;
    box.appendChild(el('p', { class: 'empty' }, text));
  }

  async function select(i) {
    state.index = i;
    state.addMode = false;
    state.detail = null; // no decision until this item's detail is shown
    for (const li of document.querySelectorAll('.queue-item')) {
      li.classList.toggle('current', Number(li.dataset.index) === i);
    }
    if (i < 0 || i >= state.items.length) {
      state.detail = null;
      renderEmpty(state.items.length ? 'No item selected.' : 'Nothing to review with these filters.');
      return;
    }
    const it = state.items[i];
    const cur = document.querySelector('.queue-item.current');
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: 'nearest' });
    const r = await api('GET', '/api/item/' + it.segment_id + '?reviewer=' + encodeURIComponent(reviewer()));
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    if (state.index !== i) return; // the reviewer moved on meanwhile
    state.detail = r.data;
    it.version = r.data.version;
    renderItem();
  }

  function renderItem() {
    const it = state.items[state.index];
    const d = state.detail;
    const box = $('item');
    clear(box);
    box.dataset.segment = String(it.segment_id);
    box.dataset.code = it.code_id;

    box.appendChild(el('p', { class: 'where' },
      d.segment.document + ' · turn ' + d.segment.turn_index +
      (d.segment.participant_id ? ' · ' + d.segment.participant_id : '') +
      (d.segment.attributes ? ' (' + Object.entries(d.segment.attributes).map(([k, v]) => k + ': ' + v).join(', ') + ')' : '') +
      (it.reviewed ? ' · reviewed' : '')));

    const ctx = el('div', { class: 'context' });
    let last = null;
    for (const t of d.context) {
      // The question asked further back (a survey's), then a gap.
      if (last !== null && t.turn_index > last + 1) ctx.appendChild(el('p', { class: 'gap' }, '…'));
      last = t.turn_index;
      const who = (t.speaker || 'unnamed speaker') + (t.role ? ' (' + t.role + ')' : '');
      const body = ('sentence' in t)
        ? el('p', { class: 'turn-text' }, t.before, el('mark', { class: 'sentence' }, t.sentence), t.after)
        : el('p', { class: 'turn-text' }, t.text);
      ctx.appendChild(el('div', { class: 'turn' + (t.is_moderator ? ' moderator' : '') + (('sentence' in t) ? ' focus' : '') },
        el('span', { class: 'speaker' }, who), body));
    }
    box.appendChild(ctx);

    const sug = d.suggestions.find((s) => s.code_id === it.code_id) ||
      { code_id: it.code_id, name: codeName(it.code_id), definition: '', confidence: it.confidence, assigned: it.assigned, calibrated: it.calibrated };
    box.appendChild(el('div', { class: 'suggestion' },
      el('h2', {}, 'Suggested: ', el('span', { id: 'suggested-code' }, sug.name), ' ',
        el('span', { class: 'conf' }, (sug.calibrated === false ? 'uncalibrated score ' : 'confidence ') + pct(sug.confidence) + (sug.assigned ? ' · assigned' : ' · candidate'))),
      el('p', { class: 'definition' }, sug.definition || '(no definition in the codebook)'),
      // The codebook's criteria, as a coder checks them before deciding.
      (sug.inclusion || []).length ? el('p', { class: 'criteria inclusion' }, 'Use when: ' + sug.inclusion.join('; ')) : null,
      (sug.exclusion || []).length ? el('p', { class: 'criteria exclusion' }, 'Not when: ' + sug.exclusion.join('; ')) : null));

    const others = d.suggestions.filter((s) => s.code_id !== it.code_id);
    if (others.length) {
      box.appendChild(el('p', { class: 'others' }, 'Other suggestions for this sentence: ',
        others.map((s) => s.name + ' ' + pct(s.confidence) + (s.calibrated === false ? ' (uncalibrated)' : '')).join(' · ')));
    }

    const cs = codes();
    const recodeSel = el('select', { id: 'recode-code', 'aria-label': 'change to code' }, cs.map((c) => codeOption(c, codeLabel(c))));
    const addSel = el('select', { id: 'add-code', 'aria-label': 'add code' }, cs.map((c) => codeOption(c, codeLabel(c))));
    box.appendChild(el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'btn-accept', onclick: () => decide('accept') }, 'Accept (a)'),
      el('button', { type: 'button', id: 'btn-reject', onclick: () => decide('reject') }, 'Reject (r)'),
      el('span', { class: 'group' }, recodeSel,
        el('button', { type: 'button', id: 'btn-recode', onclick: () => decide('recode', { new_code_id: recodeSel.value }) }, 'Change to (1–9)')),
      el('span', { class: 'group' }, addSel,
        el('button', { type: 'button', id: 'btn-add', onclick: () => decide('add', { new_code_id: addSel.value }) }, 'Add (+ 1–9)')),
      el('button', { type: 'button', id: 'btn-none', onclick: () => decide('none') }, 'No code (n)')));

    const memo = el('textarea', { id: 'memo', rows: '2', placeholder: 'memo (m)' });
    memo.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); saveMemo(); }
    });
    box.appendChild(el('div', { class: 'memo' }, memo,
      el('button', { type: 'button', id: 'btn-memo', onclick: saveMemo }, 'Save memo')));

    box.appendChild(el('p', { class: 'codes' }, 'Keys: ', cs.filter((c) => c.number && c.number <= 9).map((c) => c.number + ' ' + c.name).join(' · ')));

    if (d.decisions.length) {
      box.appendChild(el('div', { class: 'decisions' },
        el('h3', {}, BLIND ? 'Your decisions on this sentence' : 'Decisions on this sentence'),
        el('ul', {}, d.decisions.map((x) => el('li', {},
          x.created_at + ' · ' + x.reviewer + ': ' + x.decision +
          (x.code_id ? ' ' + codeName(x.code_id) : '') +
          (x.new_code_id ? ' → ' + codeName(x.new_code_id) : '') +
          (x.memo ? ' · “' + x.memo + '”' : ''))))));
    }
  }

  async function saveMemo() {
    const text = $('memo').value.trim();
    if (!text) return;
    await decide('memo', { memo: text });
  }

  async function decide(decision, extra) {
    const it = state.items[state.index];
    if (!it) return;
    // One decision at a time, on the item whose detail is shown: a key held
    // down, or pressed while the next item loads, decided items the
    // reviewer never saw.
    const d = state.detail;
    if (state.saving || !d || !d.segment || d.segment.id !== it.segment_id) return;
    if (!reviewer()) {
      setStatus('Enter your reviewer name first (top right).', 'error');
      $('reviewer').focus();
      return;
    }
    // A memo left in the box goes with the decision as its reason (the
    // next `autocode code` trains on it; pipeline::code::memo_reasons).
    const memoBox = $('memo');
    const reason = memoBox ? memoBox.value.trim() : '';
    if (reason && decision !== 'memo') extra = Object.assign({ memo: reason }, extra || {});
    const body = Object.assign({
      segment_id: it.segment_id,
      code_id: it.code_id,
      decision,
      reviewer: reviewer(),
      version: it.version,
      text: d.segment.text,
    }, extra || {});
    setStatus('saving…', 'pending');
    state.saving = true;
    let r;
    try {
      r = await api('POST', '/api/decision', body);
    } finally {
      state.saving = false;
    }
    if (r.status === 409) {
      setStatus('Not saved: ' + r.data.error, 'error');
      for (const x of state.items) if (x.segment_id === it.segment_id) x.version = r.data.version;
      await select(state.index);
      return;
    }
    if (!r.ok) { setStatus('Not saved: ' + (r.data.error || r.status), 'error'); return; }
    // Only now, with the decision committed, does the page say so.
    state.saved += 1;
    $('status').dataset.saved = String(state.saved);
    const what = decision + (extra && extra.new_code_id ? ' ' + codeName(extra.new_code_id) : (decision === 'memo' ? '' : ' ' + codeName(it.code_id))) +
      (decision !== 'memo' && extra && extra.memo ? ' with its memo' : '');
    setStatus('saved: ' + what, 'saved');
    for (const x of state.items) if (x.segment_id === it.segment_id) x.version = r.data.version;
    // The suggestions of this sentence the decision settled, as the server
    // counts them (store::review_labels): "no code" all of them; the code a
    // recode or an add gives, where the machine suggested it as well (before,
    // that suggestion stayed open here and came next, though the server had
    // it decided); accept, reject and recode the item itself.
    const given = extra && extra.new_code_id;
    const settled = (x) => x.segment_id === it.segment_id &&
      (decision === 'none' || (given && x.code_id === given) || (x === it && decision !== 'memo' && decision !== 'add'));
    state.items.forEach((x, i) => {
      if (!settled(x)) return;
      x.reviewed = true;
      const li = document.querySelector('.queue-item[data-index="' + i + '"]');
      if (li) li.classList.add('reviewed');
    });
    // A memo or an added code leaves the suggestion itself undecided.
    if (decision === 'memo' || decision === 'add') { await select(state.index); return; }
    await next();
  }

  async function next() {
    if (!state.items.length) return;
    for (let i = state.index + 1; i < state.items.length; i++) {
      if (!state.items[i].reviewed) return select(i);
    }
    if (state.index + 1 < state.items.length) return select(state.index + 1);
    return select(state.index);
  }

  async function prev() {
    if (state.index > 0) await select(state.index - 1);
  }

  // ---------- themes ----------

  async function loadThemes() {
    const r = await api('GET', '/api/themes');
    const box = $('themes');
    clear(box);
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    if (!r.data.themes.length) {
      box.appendChild(el('p', { class: 'empty' }, 'No theme suggestions yet (run `autocode themes`).'));
      return;
    }
    for (const t of r.data.themes) box.appendChild(themeCard(t));
  }

  function themeCard(t) {
    const card = el('div', { class: 'theme ' + t.status, dataset: { themeId: String(t.id) } });
    card.appendChild(el('h3', {}, el('span', { class: 'theme-label' }, t.label), ' ', el('span', { class: 'theme-status' }, t.status)));
    card.appendChild(el('p', { class: 'theme-meta' },
      (t.size !== null ? t.size + ' sentences' : '') + (t.participants !== null ? ' · ' + t.participants + ' participants' : '') +
      (t.nearest_code ? ' · nearest code: ' + (t.nearest_code.name || t.nearest_code.code_id) + ' ' + pct(t.nearest_code.similarity) : '') +
      (t.verdict ? ' · ' + t.verdict : '')));
    const kws = (t.keywords || []).map((k) => Array.isArray(k) ? k[0] : k).filter((k) => typeof k === 'string');
    card.appendChild(el('p', { class: 'keywords' }, (typeof t.phrase === 'string' ? 'Phrase: “' + t.phrase + '” · ' : '') + 'Keywords: ', kws.join(', ')));
    card.appendChild(el('ul', { class: 'quotes' }, (t.quotes || []).map((q) =>
      el('li', {}, el('q', {}, q.text || ''), ' — ' + (q.speaker || q.participant_id || '') + (q.document ? ', ' + q.document : '')))));
    if (t.decisions && t.decisions.length) {
      card.appendChild(el('p', { class: 'theme-decisions' }, t.decisions.map((d) =>
        d.action + (d.code_id ? ' ' + d.code_id : '') + (d.label ? ' “' + d.label + '”' : '') + ' by ' + d.reviewer).join(' · ')));
    }
    const act = async (action, body) => {
      if (!reviewer()) { setStatus('Enter your reviewer name first (top right).', 'error'); return; }
      const r = await api('POST', '/api/themes/' + t.id + '/' + action, Object.assign({ reviewer: reviewer(), version: t.version }, body));
      if (!r.ok) { setStatus('Not saved: ' + (r.data.error || r.status), 'error'); await loadThemes(); return; }
      state.saved += 1;
      $('status').dataset.saved = String(state.saved);
      setStatus('saved: ' + r.data.message, 'saved');
      await loadMeta();
      await loadThemes();
    };
    // Any code may be a new code's parent, a category above all (a folder
    // of codes). A merge gives the theme's quotes to a code as examples: a
    // category, which nothing learns from, is a heading that cannot be
    // picked (the server refuses it too), so the menu never starts on one.
    const parentOptions = () => codes().map((c) => el('option', { value: c.id }, c.path));
    const mergeOptions = () => codes().map((c) => codeOption(c, c.path));
    if (t.status === 'open') {
      const name = el('input', { class: 'new-name', value: t.label, 'aria-label': 'code name' });
      const id = el('input', { class: 'new-id', placeholder: 'id (from the name)', 'aria-label': 'code id' });
      const def = el('textarea', { class: 'new-definition', rows: '2', placeholder: 'definition', 'aria-label': 'definition' });
      const parent = el('select', { class: 'new-parent', 'aria-label': 'parent code' }, el('option', { value: '' }, '(top level)'), parentOptions());
      card.appendChild(el('div', { class: 'theme-accept' },
        el('label', {}, 'Name ', name), el('label', {}, 'Id ', id), el('label', {}, 'Parent ', parent), def,
        el('button', { type: 'button', class: 'btn-theme-accept',
          onclick: () => act('accept', { name: name.value, code_id: id.value, definition: def.value, parent: parent.value }) }, 'Accept as new code')));
      const mergeSel = el('select', { class: 'merge-code', 'aria-label': 'merge into' }, mergeOptions());
      card.appendChild(el('div', { class: 'theme-other' },
        mergeSel, el('button', { type: 'button', class: 'btn-theme-merge', onclick: () => act('merge', { code_id: mergeSel.value }) }, 'Merge into code'),
        el('button', { type: 'button', class: 'btn-theme-split', onclick: () => act('split', {}) }, 'Split'),
        el('button', { type: 'button', class: 'btn-theme-dismiss', onclick: () => act('dismiss', {}) }, 'Dismiss')));
    }
    const newLabel = el('input', { class: 'rename-label', placeholder: 'new label', 'aria-label': 'new label' });
    card.appendChild(el('div', { class: 'theme-rename' }, newLabel,
      el('button', { type: 'button', class: 'btn-theme-rename', onclick: () => act('rename', { name: newLabel.value }) }, 'Rename')));
    return card;
  }

  // ---------- audit (blind coding of the audit sample) ----------
  // Nothing here receives or shows a machine code, score or probability:
  // the API serves the sample's sentences and the codebook only.

  async function loadAudit() {
    const list = $('audit-list');
    const box = $('audit-unit');
    if (BLIND && !reviewer()) {
      clear(list);
      clear(box);
      box.appendChild(el('p', { class: 'empty' }, 'Blind mode: enter your reviewer name to code the audit sample.'));
      return;
    }
    const r = await api('GET', '/api/audit?reviewer=' + encodeURIComponent(reviewer()));
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    state.audit = r.data;
    clear(list);
    clear(box);
    if (!r.data.sample) {
      box.appendChild(el('p', { id: 'audit-hint', class: 'empty' }, r.data.hint));
      return;
    }
    const s = r.data.sample;
    list.appendChild(el('li', { class: 'queue-count', id: 'audit-count' },
      s.audited + ' of ' + s.size + ' ' + s.unit + 's coded (drawn from ' + s.population + ')'));
    r.data.units.forEach((u) => {
      list.appendChild(el('li', {
        class: 'audit-unit-item' + (u.audited ? ' audited' : ''),
        dataset: { position: String(u.position) },
        onclick: () => selectAuditUnit(u.position),
      }, (u.position + 1) + '. ' + u.label + ' (' + u.sentences + (u.sentences === 1 ? ' sentence)' : ' sentences)')));
    });
    const keep = r.data.units.find((u) => u.position === state.auditPosition && !u.audited);
    const first = keep || r.data.units.find((u) => !u.audited);
    await selectAuditUnit(first ? first.position : (r.data.units.length ? 0 : -1));
  }

  async function selectAuditUnit(position) {
    state.auditPosition = position;
    for (const li of document.querySelectorAll('.audit-unit-item')) {
      li.classList.toggle('current', Number(li.dataset.position) === position);
    }
    const box = $('audit-unit');
    if (position < 0) {
      clear(box);
      box.appendChild(el('p', { class: 'empty' }, 'The audit sample has no units.'));
      return;
    }
    const r = await api('GET', '/api/audit/unit/' + position + '?reviewer=' + encodeURIComponent(reviewer()));
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    if (state.auditPosition !== position) return;
    state.auditUnit = r.data;
    renderAuditUnit();
  }

  function renderAuditUnit() {
    const u = state.auditUnit;
    const box = $('audit-unit');
    clear(box);
    box.dataset.position = String(u.position);
    box.appendChild(el('p', { class: 'where' },
      u.unit + ' ' + (u.position + 1) + ' of ' + u.size + ': ' + u.label +
      (u.audited ? ' · coded' + (u.coders.length ? ' by ' + u.coders.join(', ') : '') : ' · not coded yet')));
    const cs = codes();
    let lastTurn = null;
    for (const s of u.sentences) {
      const given = new Set(s.codes || []);
      // The question a survey answer answers, above its turn's first
      // sentence as the item view shows it: "The pay." is praise or
      // complaint only by its question (hq/03).
      const turn = s.document + '\t' + s.turn_index;
      const asked = s.question && turn !== lastTurn
        ? el('div', { class: 'turn moderator audit-question' },
          el('span', { class: 'speaker' }, 'Question'), el('p', { class: 'turn-text' }, s.question))
        : null;
      lastTurn = turn;
      box.appendChild(el('div', { class: 'audit-sentence', dataset: { segment: String(s.segment_id) } },
        asked,
        el('span', { class: 'speaker' }, (s.speaker || 'unnamed speaker') + ' · ' + s.document + ' · turn ' + s.turn_index),
        el('p', { class: 'turn-text' }, s.text),
        el('div', { class: 'audit-codes' }, cs.map((c) => c.codable === false
          // A category is ticked through the codes below it: a heading.
          ? el('span', { class: 'audit-category', title: c.definition || '' }, c.path)
          : el('label', { title: c.definition || '' },
            el('input', { type: 'checkbox', class: 'audit-code', value: c.id, checked: given.has(c.id) }), ' ' + c.path)))));
    }
    box.appendChild(el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'audit-save', onclick: () => submitAudit(false) }, 'Save this unit'),
      el('button', { type: 'button', id: 'audit-none', onclick: () => submitAudit(true) }, 'No code applies')));
  }

  async function submitAudit(none) {
    const u = state.auditUnit;
    if (!u) return;
    if (!reviewer()) {
      setStatus('Enter your reviewer name first (top right).', 'error');
      $('reviewer').focus();
      return;
    }
    const sentences = [];
    let ticked = 0;
    for (const div of document.querySelectorAll('#audit-unit .audit-sentence')) {
      const codes = none ? [] : [...div.querySelectorAll('input.audit-code:checked')].map((i) => i.value);
      ticked += codes.length;
      const id = Number(div.dataset.segment);
      const shownSentence = u.sentences.find((x) => x.segment_id === id);
      sentences.push({ segment_id: id, codes, text: shownSentence ? shownSentence.text : undefined });
    }
    if (!none && ticked === 0) {
      setStatus('Nothing ticked: press “No code applies” if none of the codes applies to this unit.', 'error');
      return;
    }
    setStatus('saving…', 'pending');
    const shown = state.meta && state.meta.codebook ? state.meta.codebook.version : null;
    const r = await api('POST', '/api/audit/code',
      { position: u.position, key: u.key, reviewer: reviewer(), codebook_version: shown, sentences });
    if (!r.ok && r.status === 409 && r.data.codebook_version) {
      // The codebook changed under the page: show the unit again with the
      // new codes, the coder's ticks kept where their code still exists.
      for (const s of u.sentences) {
        const sent = sentences.find((x) => x.segment_id === s.segment_id);
        if (sent) s.codes = sent.codes;
      }
      await loadMeta();
      renderAuditUnit();
      setStatus('Not saved: ' + r.data.error, 'error');
      return;
    }
    if (!r.ok) { setStatus('Not saved: ' + (r.data.error || r.status), 'error'); if (r.status === 409) await loadAudit(); return; }
    state.saved += 1;
    $('status').dataset.saved = String(state.saved);
    setStatus('saved: ' + u.unit + ' ' + (u.position + 1) + (none ? ' (no code applies)' : ' (' + ticked + ' codes)'), 'saved');
    state.auditPosition = -1;
    await loadAudit();
  }

  // ---------- progress ----------

  function kappaText(k) {
    if (!k || !k.n) return 'no pairs yet';
    return 'κ ' + (k.kappa === null ? 'undefined' : k.kappa.toFixed(2)) + ' · agreement ' + pct(k.agreement) + ' · n ' + k.n;
  }

  async function loadProgress() {
    const box = $('progress');
    clear(box);
    if (BLIND && !reviewer()) { box.appendChild(el('p', {}, 'Enter your reviewer name.')); return; }
    const r = await api('GET', '/api/progress?reviewer=' + encodeURIComponent(reviewer()));
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    const p = r.data;
    box.appendChild(el('p', { id: 'progress-total' }, p.reviewed + ' of ' + p.items + ' suggestions reviewed, ' + p.remaining + ' remaining · ' + p.reviews + (BLIND ? ' decisions of yours stored' : ' decisions stored')));
    box.appendChild(el('p', {}, 'Machine vs reviewer: ' + kappaText(p.machine_vs_reviewer)));
    box.appendChild(el('table', { class: 'progress-table' },
      el('thead', {}, el('tr', {}, ['Code', 'Suggestions', 'Reviewed', 'Remaining', 'Machine vs reviewer'].map((h) => el('th', {}, h)))),
      el('tbody', {}, p.per_code.map((c) => el('tr', { dataset: { code: c.code_id } },
        el('td', {}, c.name), el('td', {}, c.items), el('td', {}, c.reviewed), el('td', {}, c.remaining),
        el('td', {}, kappaText(c.machine_vs_reviewer)))))));
    box.appendChild(el('h3', {}, 'Between reviewers (items both judged)'));
    // Blind: a live pair figure would tell what the colleague decided.
    box.appendChild(!p.between_reviewers_shown
      ? el('p', { id: 'between-blind' }, 'Blind coding: agreement between reviewers is not shown while you code; `autocode report` gives it (report_agreement.csv).')
      : p.between_reviewers.length
        ? el('ul', {}, p.between_reviewers.map((b) => el('li', {}, b.a + ' vs ' + b.b + ': ' + kappaText(b.agreement))))
        : el('p', {}, 'No item judged by two reviewers yet.'));
    await loadNarrowing();
    await retrainStatus();
  }

  const SVG = 'http://www.w3.org/2000/svg';

  function svgEl(tag, attrs) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    return n;
  }

  // The interval (line) and estimate (dot) after each step of audited units.
  function narrowingSvg(points, name) {
    const w = 24 * Math.max(points.length, 2), h = 44;
    const top = Math.max(1, ...points.map((p) => Math.max(p.high === null ? p.estimate : p.high, p.estimate)));
    const y = (v) => (h - 4 - (h - 8) * (v / top)).toFixed(1);
    const svg = svgEl('svg', { class: 'narrowing-svg', width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img',
      'aria-label': (name ? name + ': ' : '') + 'the estimate and its interval after each step of audited units' });
    svg.appendChild(svgEl('line', { class: 'axis', x1: 0, x2: w, y1: h - 4, y2: h - 4 }));
    points.forEach((p, i) => {
      const x = 12 + 24 * i;
      if (p.low !== null && p.high !== null) svg.appendChild(svgEl('line', { x1: x, x2: x, y1: y(p.low), y2: y(p.high) }));
      svg.appendChild(svgEl('circle', { cx: x, cy: y(p.estimate), r: 3 }));
    });
    return svg;
  }

  function estimateText(p) {
    return p.estimate.toFixed(1) + (p.low !== null && p.high !== null ? ' [' + p.low.toFixed(1) + '–' + p.high.toFixed(1) + ']' : ' (no interval)');
  }

  async function loadNarrowing() {
    const box = $('narrowing');
    clear(box);
    const r = await api('GET', '/api/audit/narrowing');
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    const d = r.data;
    box.appendChild(el('h3', {}, 'Estimates as audited units are added'));
    if (!d.sample) { box.appendChild(el('p', { id: 'narrowing-hint', class: 'empty' }, d.hint)); return; }
    box.appendChild(el('p', {}, 'Per code: the report’s estimate of ' + d.quantity + ' with its ' + Math.round(d.level * 100) +
      '% interval, using the first N audited ' + d.sample.unit + 's of the sample (' + d.sample.audited + ' of ' + d.sample.size + ' coded so far).'));
    box.appendChild(el('table', { class: 'progress-table narrowing-table', id: 'narrowing-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Code'), el('th', {}, 'Narrowing'), d.points.map((n) => el('th', {}, 'N = ' + n)))),
      el('tbody', {}, d.codes.map((c) => el('tr', { dataset: { code: c.code_id } },
        el('td', {}, c.name), el('td', {}, narrowingSvg(c.points, c.name)),
        c.points.map((p) => el('td', { title: p.method }, estimateText(p))))))));
  }

  async function retrainStatus() {
    const r = await api('GET', '/api/retrain');
    if (!r.ok) return;
    const l = r.data.latest;
    const hint = r.data.mode === 'in-process' ? '' : ' Run: ' + r.data.command;
    $('retrain-status').textContent = (l ? 'last request: ' + l.status + ' (' + l.created_at + ', ' + l.reviews_at + ' decisions)' + (l.detail ? ' — ' + l.detail : '') : 'no retrain requested yet') + '.' + hint;
    if (l && l.status === 'running') setTimeout(retrainStatus, 2000);
  }

  async function retrain() {
    if (!reviewer()) { setStatus('Enter your reviewer name first (top right).', 'error'); return; }
    const r = await api('POST', '/api/retrain', { reviewer: reviewer() });
    if (!r.ok) { setStatus(r.data.error, 'error'); return; }
    setStatus(r.data.status === 'running' ? 'retraining: ' + r.data.command : 'retrain recorded; run ' + r.data.command, 'saved');
    await retrainStatus();
  }

  // ---------- views and keys ----------

  async function show(view) {
    state.view = view;
    history.replaceState(null, '', view === 'queue' ? location.pathname : '#' + view);
    for (const v of ['queue', 'themes', 'audit', 'progress']) {
      $('view-' + v).hidden = v !== view;
      $('tab-' + v).classList.toggle('active', v === view);
    }
    if (view === 'themes') await loadThemes();
    if (view === 'progress') await loadProgress();
    if (view === 'audit') await loadAudit();
    if (view === 'queue') await loadQueue();
  }

  function codeByNumber(n) {
    return codes().find((c) => c.number === n);
  }

  async function onKey(e) {
    const t = e.target;
    const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
    if (typing) {
      if (e.key === 'Escape') t.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '?') { $('help').hidden = !$('help').hidden; e.preventDefault(); return; }
    if (state.view !== 'queue') return;
    const k = e.key;
    // A held key repeats: moving may, deciding may not.
    if (e.repeat && k !== 'j' && k !== 'k') { e.preventDefault(); return; }
    if (k === 'j') { e.preventDefault(); await next(); return; }
    if (k === 'k') { e.preventDefault(); await prev(); return; }
    if (!state.detail) return;
    if (k === 'a') { e.preventDefault(); await decide('accept'); return; }
    if (k === 'r') { e.preventDefault(); await decide('reject'); return; }
    if (k === 'n') { e.preventDefault(); await decide('none'); return; }
    if (k === 'm') { e.preventDefault(); $('memo').focus(); return; }
    if (k === '+' || k === '=') { e.preventDefault(); state.addMode = true; setStatus('add which code? press 1–9', 'pending'); return; }
    if (/^[1-9]$/.test(k)) {
      e.preventDefault();
      const c = codeByNumber(Number(k));
      if (!c) { setStatus('no code number ' + k, 'error'); state.addMode = false; return; }
      const add = state.addMode;
      state.addMode = false;
      if (add) await decide('add', { new_code_id: c.id });
      else if (c.id === state.items[state.index].code_id) await decide('accept');
      else await decide('recode', { new_code_id: c.id });
    }
  }

  async function init() {
    const saved = localStorage.getItem('autocode-reviewer');
    $('reviewer').value = saved || meta('autocode-reviewer') || '';
    $('reviewer').addEventListener('change', () => {
      localStorage.setItem('autocode-reviewer', reviewer());
      if (BLIND) show(state.view);
    });
    $('blind-badge').hidden = !BLIND;
    $('tab-queue').addEventListener('click', () => show('queue'));
    $('tab-themes').addEventListener('click', () => show('themes'));
    $('tab-audit').addEventListener('click', () => show('audit'));
    $('tab-progress').addEventListener('click', () => show('progress'));
    $('retrain').addEventListener('click', retrain);
    $('filters').addEventListener('change', loadQueue);
    $('filters').addEventListener('submit', (e) => { e.preventDefault(); loadQueue(); });
    document.addEventListener('keydown', onKey);
    if (await loadMeta()) {
      const view = location.hash.slice(1) || (AUDIT ? 'audit' : '');
      await show(['themes', 'audit', 'progress'].includes(view) ? view : 'queue');
    }
    document.body.dataset.ready = '1';
  }

  init();
})();
