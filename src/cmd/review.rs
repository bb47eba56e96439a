//! `autocode review`: serve the local review page.
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Address to listen on: `IP:PORT` or a bare `PORT` (on 127.0.0.1).
    /// Port 0 picks a free one. A non-loopback address serves a team.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: String,
    /// Access token every request must carry; generated when not given.
    #[arg(
        long,
        env = "AUTOCODE_REVIEW_TOKEN",
        value_name = "T",
        hide_env_values = true
    )]
    token: Option<String>,
    /// Reviewer name the page starts with (each decision stores its reviewer).
    #[arg(long, value_name = "NAME")]
    reviewer: Option<String>,
    /// Blind double coding: each reviewer sees only their own decisions.
    #[arg(long)]
    blind: bool,
    /// Open the page on the Audit tab: blind coding of the audit sample
    /// drawn with `autocode audit draw` (no machine suggestions shown).
    #[arg(long)]
    audit: bool,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
}

fn parse_listen(s: &str) -> anyhow::Result<SocketAddr> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    s.parse::<SocketAddr>().with_context(|| {
        format!("--listen {s:?}: expected IP:PORT (e.g. 127.0.0.1:8377) or a port")
    })
}

pub fn run(g: &Global, a: ReviewArgs) -> Outcome {
    let listen = parse_listen(&a.listen)?;
    let project = store::resolve(&g.project);
    let generated = a.token.is_none();
    let token = match a.token {
        Some(t) => t,
        None => review::generate_token()?,
    };
    // The retrain button codes in this process, exactly as `autocode code`.
    let retrain_project = project.clone();
    let retrain = review::Retrainer(std::sync::Arc::new(move || {
        let _lock = pipeline::run::ProjectLock::acquire(&retrain_project)?;
        let mut p = pipeline::Project::open(&retrain_project)?;
        let s = pipeline::code(&mut p, &pipeline::CodeOptions::default())?;
        Ok(format!(
            "coded {} sentences (codebook v{}, {}); {} already coded",
            s.coded, s.codebook_version, s.classifier, s.already_coded
        ))
    }));
    let retrain_hint = format!("autocode --project {} code", project.display());
    // The Progress tab's estimates read the project as `autocode report`
    // does: machine codings on minimal responses (which `code` skips now) do
    // not count.
    let report_data = review::ReportDataAdjust(std::sync::Arc::new(|data| {
        let params = themes::SpokenParams::default();
        let names = pipeline::code::names_in(&data.segments);
        let spoken = params.beside(&names);
        let answers = pipeline::code::whole_answers(&data.segments);
        let skipped: std::collections::BTreeSet<i64> = data
            .segments
            .iter()
            .filter(|s| spoken.skips(&s.text) && !answers.contains(&s.id))
            .map(|s| s.id)
            .collect();
        data.drop_machine_codings(&skipped);
        Ok(())
    }));
    let running = review::start(review::ServeConfig {
        store: project,
        listen,
        token: token.clone(),
        reviewer: a.reviewer,
        blind: a.blind,
        retrain: Some(retrain),
        retrain_hint,
        audit: a.audit,
        report_data: Some(report_data),
    })?;
    let url = running.url();
    let mut out = std::io::stdout().lock();
    writeln!(out, "review page: {url}")?;
    if !listen.ip().is_loopback() {
        if generated {
            writeln!(out, "generated token: {token}")?;
        }
        writeln!(
            out,
            "listening on {} for the team; share the URL (with its token) only with reviewers",
            running.addr()
        )?;
    }
    writeln!(out, "press Ctrl-C to stop")?;
    out.flush()?;
    drop(out);
    if a.open {
        if let Err(e) = review::open_in_browser(&url) {
            eprintln!("warning: could not open a browser ({e}); open the URL above by hand");
        }
    }
    running.wait()?;
    Ok(ExitCode::SUCCESS)
}
