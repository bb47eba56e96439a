//! One self-contained HTML file: inline CSS, SVG and a little JS, nothing
//! fetched from the network. Every piece of transcript or codebook text goes
//! through [`escape`].

use std::fmt::Write;

use crate::{AgreementUnit, Quote, Report};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A `#RRGGBB` colour from the codebook, or the default; anything else could
/// break out of the attribute it is written into.
fn safe_color(c: Option<&str>) -> &str {
    match c {
        Some(c)
            if c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|x| x.is_ascii_hexdigit()) =>
        {
            c
        }
        _ => "#4a78b5",
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into())
}

fn quote_html(q: &Quote) -> String {
    format!(
        "<blockquote><p>{}</p><cite>{} — {}{}</cite></blockquote>",
        escape(&q.text),
        escape(
            q.speaker
                .as_deref()
                .or(q.participant_id.as_deref())
                .unwrap_or("(unknown speaker)")
        ),
        escape(&q.document),
        if q.reviewed {
            " · reviewed".to_string()
        } else if q.calibrated {
            format!(" · p = {:.2}", q.confidence)
        } else {
            format!(" · score {:.2} (uncalibrated)", q.confidence)
        }
    )
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
th{background:#f4f4f4;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.heat{text-align:center;min-width:3rem}
.d1{padding-left:1.5rem}.d2{padding-left:3rem}.d3{padding-left:4.5rem}
blockquote{margin:.3rem 0;padding:.2rem .6rem;border-left:3px solid #bbb;background:#fafafa}
blockquote p{margin:0}cite{display:block;color:#666;font-size:.85rem;font-style:normal}
.theme{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.8rem 0}
.kw{color:#555;font-size:.85rem}
svg text{font-size:12px;font-family:inherit}
.bar{fill-opacity:.85}.whisker{stroke:#222;stroke-width:1.5}.expected{fill:#fff;stroke:#222;stroke-width:1.5}.study{fill:#d9534f}
.legend{font-size:.85rem;color:#555}
button{margin-right:.4rem}button[aria-pressed=true]{font-weight:bold}
"#;

const SCRIPT: &str = r#"
(function(){
  var chart=document.getElementById('chart');
  if(chart){
    var n=0;chart.querySelectorAll('rect.bar').forEach(function(r){var b=r.getBBox();if(b.width>0&&b.height>0)n++;});
    chart.setAttribute('data-rendered-bars',String(n));
  }
  document.querySelectorAll('button[data-show]').forEach(function(b){
    b.addEventListener('click',function(){
      document.querySelectorAll('.cooc').forEach(function(t){t.hidden=t.id!==b.dataset.show;});
      document.querySelectorAll('button[data-show]').forEach(function(o){o.setAttribute('aria-pressed',String(o===b));});
    });
  });
})();
"#;

/// Renders the whole report as one HTML document.
pub fn render_html(r: &Report) -> String {
    let mut h = String::new();
    let title = format!("{} — autocode report", r.project);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">Codebook {}{} · {} participants · {} sentences · {} documents{}</p>",
        escape(if r.codebook.name.is_empty() {
            "(none)"
        } else {
            &r.codebook.name
        }),
        r.codebook
            .version
            .map(|v| format!(" v{v}"))
            .unwrap_or_default(),
        r.totals.participants,
        r.totals.sentences,
        r.totals.documents,
        if r.include_moderators {
            " · moderators included"
        } else {
            " · moderators excluded"
        },
    );

    frequency_table(&mut h, r);
    bar_chart(&mut h, r);
    crosstabs(&mut h, r);
    by_question(&mut h, r);
    cooccurrence(&mut h, r);
    themes(&mut h, r);
    agreement(&mut h, r);

    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

fn frequency_table(h: &mut String, r: &Report) {
    let level = r.interval_level * 100.0;
    let with_compare = r.codes.iter().any(|c| c.compare.is_some());
    let _ = writeln!(h, "<h2 id=\"frequencies\">Frequencies</h2>");
    let _ = writeln!(
        h,
        "<p class=\"legend\">A parent code counts every sentence of its children. \
         Estimate: participants mentioning the code, with its {level:.0}% interval when people coded a random \
         audit sample (method prediction-powered: the audited count plus the machine's figure for the rest, \
         corrected by its error on the audit; sample-only where no classifier has coded: the sample alone; \
         docs/report.md). Model-only figures have no interval; \
         uncalibrated ones come from the zero-shot prior and are a rough guide only.</p>"
    );
    let _ = writeln!(
        h,
        "<table id=\"freq\"><thead><tr><th>Code</th><th>Participants (N = {})</th>\
         <th>Estimate [{level:.0}%]</th><th>Method</th><th>Audited</th><th>Sentences</th><th>Documents</th><th>Mean confidence</th>\
         <th>Reviewed</th><th>Unreviewed</th>{}<th>Examples</th></tr></thead><tbody>",
        r.totals.participants,
        if with_compare { "<th>Study</th>" } else { "" }
    );
    for c in &r.codes {
        let examples: String = c.examples.iter().map(quote_html).collect();
        let _ = writeln!(
            h,
            "<tr data-code=\"{}\"><td class=\"d{}\">{}</td><td class=\"n\">{} ({:.0}%)</td>\
             <td class=\"n est\">{}</td><td class=\"method\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>{}<td>{}</td></tr>",
            escape(&c.code_id),
            c.depth.min(3),
            escape(&c.name),
            c.participants,
            c.participant_share * 100.0,
            escape(&crate::output::estimate_text(&c.estimate)),
            escape(c.estimate.method.as_str()),
            crate::output::audited_text(&c.estimate),
            c.sentences,
            c.documents,
            c.mean_confidence.map(|m| format!("{m:.2}")).unwrap_or_else(|| "–".into()),
            c.reviewed,
            c.unreviewed,
            if with_compare {
                format!(
                    "<td class=\"n\">{}</td>",
                    c.compare.map(|v| format!("{v}")).unwrap_or_else(|| "–".into())
                )
            } else {
                String::new()
            },
            examples
        );
    }
    h.push_str("</tbody></table>\n");
}

fn bar_chart(h: &mut String, r: &Report) {
    let _ = writeln!(h, "<h2 id=\"chart-title\">Participants per code</h2>");
    if r.codes.is_empty() {
        h.push_str("<p>No codes.</p>\n");
        return;
    }
    let label_w = 240.0;
    let plot_w = 620.0;
    let row_h = 24.0;
    let top = 10.0;
    let axis_h = 30.0;
    let max = r
        .codes
        .iter()
        .map(|c| {
            (c.participants as f64)
                .max(c.estimate.high.unwrap_or(c.estimate.estimate))
                .max(c.compare.unwrap_or(0.0))
        })
        .fold(1.0f64, f64::max);
    let x = |v: f64| label_w + v / max * plot_w;
    let height = top + row_h * r.codes.len() as f64 + axis_h;
    let _ = writeln!(
        h,
        "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" \
         viewBox=\"0 0 {w} {height}\" role=\"img\" aria-labelledby=\"chart-title\">",
        w = label_w + plot_w + 40.0
    );
    for (i, c) in r.codes.iter().enumerate() {
        let y = top + i as f64 * row_h;
        let mid = y + row_h / 2.0;
        let indent = "\u{00a0}\u{00a0}".repeat(c.depth);
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}{}</text>",
            label_w - 8.0,
            mid,
            indent,
            escape(&crate::output::truncate_chars(&c.name, 34))
        );
        let _ = writeln!(
            h,
            "<rect class=\"bar\" data-code=\"{}\" data-participants=\"{}\" x=\"{label_w:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {} participants; estimate {} ({})</title></rect>",
            escape(&c.code_id),
            c.participants,
            y + 4.0,
            x(c.participants as f64) - label_w,
            row_h - 8.0,
            safe_color(c.color.as_deref()),
            escape(&c.name),
            c.participants,
            escape(&crate::output::estimate_text(&c.estimate)),
            escape(c.estimate.method.as_str())
        );
        if let (Some(lo), Some(hi)) = (c.estimate.low, c.estimate.high) {
            let (lo, hi) = (x(lo), x(hi));
            let _ = writeln!(
            h,
            "<g class=\"interval\"><line class=\"whisker\" x1=\"{lo:.1}\" x2=\"{hi:.1}\" y1=\"{mid:.1}\" y2=\"{mid:.1}\"/>\
             <line class=\"whisker\" x1=\"{lo:.1}\" x2=\"{lo:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <line class=\"whisker\" x1=\"{hi:.1}\" x2=\"{hi:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <circle class=\"expected\" cx=\"{:.1}\" cy=\"{mid:.1}\" r=\"3.5\"/></g>",
            mid - 5.0,
            mid + 5.0,
            mid - 5.0,
            mid + 5.0,
            x(c.estimate.estimate)
        );
        }
        if let Some(v) = c.compare {
            let cx = x(v);
            let _ = writeln!(
                h,
                "<path class=\"study\" d=\"M{:.1} {:.1} L{:.1} {mid:.1} L{:.1} {:.1} L{:.1} {mid:.1} Z\"><title>study: {v}</title></path>",
                cx, mid - 5.0, cx + 5.0, cx, mid + 5.0, cx - 5.0
            );
        }
    }
    // Axis with about five round ticks.
    let axis_y = top + row_h * r.codes.len() as f64 + 4.0;
    let step = nice_step(max);
    let _ = writeln!(
        h,
        "<line x1=\"{label_w}\" x2=\"{:.1}\" y1=\"{axis_y:.1}\" y2=\"{axis_y:.1}\" stroke=\"#888\"/>",
        label_w + plot_w
    );
    let mut t = 0.0;
    while t <= max + 1e-9 {
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{axis_y:.1}\" y2=\"{1:.1}\" stroke=\"#888\"/><text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\">{3}</text>",
            x(t),
            axis_y + 4.0,
            axis_y + 18.0,
            t
        );
        t += step;
    }
    h.push_str("</svg>\n");
    let _ = writeln!(
        h,
        "<p class=\"legend\">Bar: participants with the code (machine and people). Whisker: {:.0}% interval of the estimate from the audit sample; circle: the estimate (none without an audit sample).{}</p>",
        r.interval_level * 100.0,
        if r.codes.iter().any(|c| c.compare.is_some()) { " Red diamond: the comparison figure." } else { "" }
    );
}

fn nice_step(max: f64) -> f64 {
    let raw = (max / 5.0).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * mag >= raw {
            return m * mag;
        }
    }
    10.0 * mag
}

fn heat(value: f64) -> String {
    // White to blue; text turns white on dark cells.
    let v = value.clamp(0.0, 1.0);
    let (r, g, b) = (
        (255.0 - v * (255.0 - 33.0)) as u8,
        (255.0 - v * (255.0 - 102.0)) as u8,
        (255.0 - v * (255.0 - 172.0)) as u8,
    );
    let fg = if v > 0.55 { "#fff" } else { "#222" };
    format!("background:#{r:02x}{g:02x}{b:02x};color:{fg}")
}

fn crosstabs(h: &mut String, r: &Report) {
    let _ = writeln!(h, "<h2 id=\"crosstabs\">By participant attribute</h2>");
    if r.totals.participants_by.is_empty() {
        h.push_str("<p>No participant or document attributes (give a participants or documents file at ingest).</p>\n");
        return;
    }
    for (attr, values) in &r.totals.participants_by {
        let _ = write!(
            h,
            "<h3>{}</h3>\n<table class=\"crosstab\" data-attribute=\"{}\"><thead><tr><th>Code</th>",
            escape(attr),
            escape(attr)
        );
        for (v, n) in values {
            let _ = write!(h, "<th>{} (n = {n})</th>", escape(v));
        }
        h.push_str("</tr></thead><tbody>\n");
        for c in &r.codes {
            let _ = write!(
                h,
                "<tr><td class=\"d{}\">{}</td>",
                c.depth.min(3),
                escape(&c.name)
            );
            for (v, total) in values {
                let n = c
                    .by_attribute
                    .get(attr)
                    .and_then(|m| m.get(v))
                    .copied()
                    .unwrap_or(0);
                heat_cell(h, n, *total);
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table>\n");
    }
}

/// A crosstab cell: `n/total`, shaded by the share.
fn heat_cell(h: &mut String, n: u64, total: u64) {
    let share = if total > 0 {
        n as f64 / total as f64
    } else {
        0.0
    };
    let _ = write!(
        h,
        "<td class=\"heat\" style=\"{}\" title=\"{:.0}%\">{n}/{total}</td>",
        heat(share),
        share * 100.0
    );
}

/// Codes by survey question (NVivo's matrix of codes by question): only
/// when the project has questions answered by two or more people.
fn by_question(h: &mut String, r: &Report) {
    let questions = &r.totals.participants_by_question;
    if questions.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h2 id=\"by-question\">By question</h2>\n<p>Participants who mention each code in their answers to each question, of those who answered it.</p>\n<table class=\"crosstab\" data-attribute=\"(question)\"><thead><tr><th>Code</th>"
    );
    for q in questions {
        let _ = write!(
            h,
            "<th>{} (n = {})</th>",
            escape(&q.question),
            q.participants
        );
    }
    h.push_str("</tr></thead><tbody>\n");
    for c in &r.codes {
        let _ = write!(
            h,
            "<tr><td class=\"d{}\">{}</td>",
            c.depth.min(3),
            escape(&c.name)
        );
        for (q, total) in c.by_question.iter().zip(questions) {
            heat_cell(h, q.participants, total.participants);
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
}

fn cooccurrence(h: &mut String, r: &Report) {
    let _ = writeln!(h, "<h2 id=\"cooccurrence\">Co-occurrence</h2>");
    let co = &r.cooccurrence;
    if co.codes.is_empty() {
        h.push_str("<p>No codings yet.</p>\n");
        return;
    }
    h.push_str(
        "<p><button data-show=\"cooc-sentence\" aria-pressed=\"true\">same sentence</button>\
         <button data-show=\"cooc-turn\" aria-pressed=\"false\">same turn</button>\
         <button data-show=\"cooc-participant\" aria-pressed=\"false\">same participant</button></p>\n",
    );
    let name = |id: &str| {
        r.codes
            .iter()
            .find(|c| c.code_id == id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    for (key, m, hidden) in [
        ("sentence", &co.sentence, false),
        ("turn", &co.turn, true),
        ("participant", &co.participant, true),
    ] {
        let max = m.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
        let _ = write!(
            h,
            "<table class=\"cooc\" id=\"cooc-{key}\"{}><caption>Units ({key}s) with both codes; diagonal: with the code</caption><thead><tr><th></th>",
            if hidden { " hidden" } else { "" }
        );
        for id in &co.codes {
            let _ = write!(h, "<th>{}</th>", escape(&name(id)));
        }
        h.push_str("</tr></thead><tbody>\n");
        for (i, id) in co.codes.iter().enumerate() {
            let _ = write!(h, "<tr><th>{}</th>", escape(&name(id)));
            for v in &m[i] {
                let _ = write!(
                    h,
                    "<td class=\"heat\" style=\"{}\">{v}</td>",
                    heat(*v as f64 / max)
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table>\n");
    }
}

fn themes(h: &mut String, r: &Report) {
    let _ = writeln!(h, "<h2 id=\"themes\">Suggested themes</h2>");
    if r.themes.is_empty() {
        h.push_str("<p>No theme suggestions (run <code>autocode themes</code>).</p>\n");
        return;
    }
    for t in &r.themes {
        let keywords: Vec<String> = t.keywords.iter().map(|(k, _)| escape(k)).collect();
        let _ = writeln!(
            h,
            "<div class=\"theme\" data-theme=\"{}\"><h3>{}</h3><p class=\"kw\">{} sentences · {} participants · {} · {}{}</p>",
            t.id,
            escape(&t.label),
            t.size,
            t.participants,
            escape(&t.status),
            escape(&t.verdict),
            if keywords.is_empty() { String::new() } else { format!(" · keywords: {}", keywords.join(", ")) }
                + &t.phrase.as_deref().map(|p| format!(" · phrase: “{}”", escape(p))).unwrap_or_default()
        );
        for q in &t.quotes {
            let _ = writeln!(
                h,
                "<blockquote><p>{}</p><cite>{} — {}</cite></blockquote>",
                escape(&q.text),
                escape(
                    q.speaker
                        .as_deref()
                        .or(q.participant_id.as_deref())
                        .unwrap_or("(unknown speaker)")
                ),
                escape(&q.document)
            );
        }
        h.push_str("</div>\n");
    }
}

fn agreement(h: &mut String, r: &Report) {
    let _ = writeln!(h, "<h2 id=\"agreement\">Agreement</h2>");
    if r.agreement.pairs.is_empty() {
        h.push_str("<p>No units coded by two coders yet (review sentences, or import human codings).</p>\n");
        return;
    }
    let unit = match r.agreement.unit {
        AgreementUnit::Sentence => "sentences",
        AgreementUnit::Participant => "participants",
    };
    let _ = writeln!(
        h,
        "<p class=\"legend\">Units: {unit}. Per code: presence/absence on the units both coders coded; \
         overall: every (unit, code) pair pooled. Krippendorff's alpha is nominal.</p>"
    );
    h.push_str(
        "<table id=\"agreement-table\"><thead><tr><th>Coders</th><th>Code</th><th>n</th><th>Both</th><th>Only A</th><th>Only B</th>\
         <th>Agreement</th><th>Cohen's κ</th><th>Krippendorff's α</th></tr></thead><tbody>\n",
    );
    for p in &r.agreement.pairs {
        let coders = format!("A = {}, B = {} ({} {unit})", p.coder_a, p.coder_b, p.units);
        let rows = std::iter::once(("(all codes, pooled)".to_string(), &p.overall))
            .chain(p.codes.iter().map(|c| (c.code_id.clone(), &c.figures)));
        for (code, f) in rows {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&coders),
                escape(&code),
                f.n,
                f.both,
                f.only_a,
                f.only_b,
                pct(f.percent_agreement),
                num(f.cohen_kappa),
                num(f.krippendorff_alpha)
            );
        }
    }
    h.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert(1)">&'"#),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
    }
}
