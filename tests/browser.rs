//! The demo's report.html in a real browser: headless Chromium loads a
//! check copy of the page (tests/browser/check.js injected first in its
//! `<head>`) at 1280 px and at 794 px (A4 at 96 dpi) and the script reports
//! every problem: elements wider than the page, overlapping chart labels,
//! labels outside their chart, charts without a text alternative, loaded
//! resources (the page must be self-contained), script errors, CSP
//! violations and console errors (also read from Chromium's own log on
//! stderr). Then screenshots of the original page at both widths and an A4
//! PDF land in `target/browser/`.
//!
//! Chromium is required: Debian's `chromium` package (`.ci/run` installs
//! it), or the binary named by `SUPPORTDESK_CHROMIUM`. Without it the test
//! fails and says so.

#[path = "../examples/demo.rs"]
#[allow(dead_code)]
mod demo;

use std::fmt;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The check, read by the browser from the check copy of the page.
const CHECK_JS: &str = include_str!("browser/check.js");
/// The viewport widths checked: a laptop and A4 paper at 96 dpi.
const WIDTHS: [u32; 2] = [1280, 794];
/// A browser that hangs fails the test after this long instead of hanging CI.
const TIMEOUT: Duration = Duration::from_secs(90);
/// Screenshots are as tall as the page, up to this many pixels.
const MAX_HEIGHT: u64 = 20_000;
/// The nonce the check copy's script carries (and its CSP, if any, allows).
const NONCE: &str = "sd-check";
/// Virtual time the browser gives the page before dumping its DOM (ms).
const VIRTUAL_TIME_MS: u32 = 10_000;

/// One problem the check found.
#[derive(Debug, Clone)]
struct Problem {
    /// The page and width it was seen at ("report @ 794 px").
    at: String,
    /// Which check: overflow, overlap, text-outside-svg, accessibility,
    /// resource, js-error, csp, console-error, console (chromium stderr).
    check: String,
    detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.at, self.check, self.detail)
    }
}

/// What one check run of a page at one width found.
#[derive(Debug)]
struct CheckRun {
    scroll_height: u64,
    counts: serde_json::Value,
    problems: Vec<Problem>,
    seconds: f64,
}

/// `target/browser` (under `CARGO_TARGET_DIR` if set).
fn out_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) if !t.is_empty() => manifest.join(PathBuf::from(t)),
        _ => manifest.join("target"),
    };
    target.join("browser")
}

/// Chromium: `SUPPORTDESK_CHROMIUM`, else `chromium`, `chromium-browser` or
/// `google-chrome` on the PATH.
fn find_chromium() -> Result<PathBuf, String> {
    const HOW: &str = "The browser test needs Chromium: on Debian/Ubuntu `apt-get install chromium` \
         (`.ci/run` installs it), or set SUPPORTDESK_CHROMIUM=/path/to/chromium-or-chrome.";
    if let Some(p) = std::env::var_os("SUPPORTDESK_CHROMIUM") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "SUPPORTDESK_CHROMIUM={} is not a file. {HOW}",
                p.display()
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "no chromium, chromium-browser or google-chrome on the PATH. {HOW}"
    ))
}

/// `file://` URL of an absolute path (bytes outside the unreserved set
/// percent-encoded).
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// What one browser process printed.
struct Output {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium with `args` (plus the common flags and a fresh
/// profile), killed after [`TIMEOUT`].
fn chromium(chrome: &Path, args: &[String], label: &str) -> Result<Output, String> {
    let work = tempfile::tempdir().map_err(|e| format!("{label}: temporary dir: {e}"))?;
    let profile = work.path().join("profile");
    let (out_path, err_path) = (work.path().join("stdout"), work.path().join("stderr"));
    let stdout = File::create(&out_path).map_err(|e| format!("{label}: {e}"))?;
    let stderr = File::create(&err_path).map_err(|e| format!("{label}: {e}"))?;
    let mut cmd = Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .stdin(Stdio::null())
    .stdout(stdout)
    .stderr(stderr);
    #[cfg(unix)]
    {
        // Its own process group, so that a timeout kills the renderer and
        // GPU processes too.
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{label}: cannot start {}: {e}", chrome.display()))?;
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                #[cfg(unix)]
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                let err = fs::read_to_string(&err_path).unwrap_or_default();
                return Err(format!(
                    "{label}: Chromium did not finish within {} s and was killed; its stderr ends:\n{}",
                    TIMEOUT.as_secs(),
                    tail(&err, 20)
                ));
            }
            Err(e) => return Err(format!("{label}: waiting for Chromium: {e}")),
        }
    };
    let out = Output {
        stdout: String::from_utf8_lossy(&fs::read(&out_path).unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned(),
    };
    if !status.success() {
        return Err(format!(
            "{label}: Chromium exited with {status}; its stderr ends:\n{}",
            tail(&out.stderr, 20)
        ));
    }
    Ok(out)
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// A console message Chromium logged on stderr.
#[derive(Debug, PartialEq)]
struct Console {
    /// The message, unquoted.
    message: String,
    /// Whether it is an error (see [`console_messages`]).
    error: bool,
}

/// The page's console messages in Chromium's stderr log, e.g.
/// `[17408:17408:1204/070932.743500:INFO:CONSOLE:3] "boom", source: file:///x.html (3)`
/// (older versions: `INFO:CONSOLE(3)`). Everything else there is Chromium's
/// own noise (D-Bus, GPU, sandbox warnings, the launcher script) and is
/// ignored. Chromium 156 logs every console level as INFO, so a message is
/// an error when its level is ERROR or FATAL, or when it reads like one:
/// an uncaught exception (`Uncaught ...`), a CSP violation, a failed load,
/// or a console.error call tagged `[console.error]` by the check script.
fn console_messages(stderr: &str) -> Vec<Console> {
    let mut out: Vec<(String, String)> = Vec::new(); // (level, text)
    let mut in_console = false;
    for line in stderr.lines() {
        if line.starts_with('[') {
            in_console = false;
            let Some(close) = line.find(']') else {
                continue;
            };
            let header = &line[1..close];
            let Some(at) = header.find(":CONSOLE") else {
                continue;
            };
            let level = header[..at].rsplit(':').next().unwrap_or("").to_owned();
            out.push((level, line[close + 1..].trim_start().to_owned()));
            in_console = true;
        } else if in_console {
            // A multi-line message continues until the next log line.
            if let Some(last) = out.last_mut() {
                last.1.push('\n');
                last.1.push_str(line);
            }
        }
    }
    out.into_iter()
        .map(|(level, text)| {
            let message = match text.rfind("\", source: ") {
                Some(end) if text.starts_with('"') => text[1..end].to_owned(),
                _ => text.clone(),
            };
            let error = matches!(level.as_str(), "ERROR" | "FATAL")
                || message.starts_with("Uncaught")
                || message.starts_with("[console.error]")
                || message.starts_with("Refused to")
                || message.starts_with("Failed to load resource")
                || message.contains("Content Security Policy");
            Console { message, error }
        })
        .collect()
}

/// The console errors among `stderr`'s messages as problems, leaving out
/// those the check script already reported (`known`: their messages).
fn stderr_problems(stderr: &str, at: &str, known: &[String]) -> Vec<Problem> {
    console_messages(stderr)
        .into_iter()
        .filter(|c| c.error)
        .filter(|c| {
            let m = c
                .message
                .strip_prefix("[console.error] ")
                .unwrap_or(&c.message);
            !known.iter().any(|k| k == m)
        })
        .map(|c| Problem {
            at: at.to_owned(),
            check: "console (chromium stderr)".to_owned(),
            detail: c.message,
        })
        .collect()
}

/// Finds `<tag` (followed by `>` or white space, so `<head` is not
/// `<header`), case-insensitively, and returns the index just past its `>`.
fn after_open_tag(html: &str, tag: &str) -> Option<usize> {
    let lower = html.to_ascii_lowercase();
    let needle = format!("<{tag}");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle) {
        let start = from + i;
        let next = lower[start + needle.len()..].chars().next();
        if matches!(next, Some(c) if c == '>' || c.is_ascii_whitespace()) {
            return lower[start..].find('>').map(|e| start + e + 1);
        }
        from = start + needle.len();
    }
    None
}

/// Inserts `what` first in the `<head>` (or after `<html>`, or at the start).
fn first_in_head(html: &str, what: &str) -> String {
    let at = after_open_tag(html, "head")
        .or_else(|| after_open_tag(html, "html"))
        .unwrap_or(0);
    format!("{}{what}{}", &html[..at], &html[at..])
}

fn decode_attr(v: &str) -> String {
    v.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

/// A CSP that allows the check script by its nonce, the rest unchanged: the
/// nonce joins `script-src-elem` and `script-src` where present; with
/// neither but a `default-src`, a `script-src` of the default's sources and
/// the nonce. (A nonce rather than `'unsafe-inline'`, which a policy with a
/// hash or nonce ignores and which would let the page's own inline scripts
/// run.)
fn allow_nonce(policy: &str) -> String {
    let nonce = format!("'nonce-{NONCE}'");
    let mut directives: Vec<String> = policy
        .split(';')
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    let name = |d: &str| {
        d.split_ascii_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let mut found = false;
    for d in &mut directives {
        if matches!(name(d).as_str(), "script-src" | "script-src-elem") {
            d.push(' ');
            d.push_str(&nonce);
            found = true;
        }
    }
    if !found {
        let default = directives
            .iter()
            .find(|d| name(d) == "default-src")
            .cloned();
        if let Some(default) = default {
            let sources: Vec<&str> = default
                .split_ascii_whitespace()
                .skip(1)
                .filter(|s| !s.eq_ignore_ascii_case("'none'"))
                .collect();
            let mut d = String::from("script-src");
            for s in sources {
                d.push(' ');
                d.push_str(s);
            }
            d.push(' ');
            d.push_str(&nonce);
            directives.push(d);
        }
    }
    directives.join("; ")
}

/// Rewrites each `<meta http-equiv="Content-Security-Policy" content=...>`
/// with [`allow_nonce`].
fn csp_with_nonce(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    loop {
        let lower = rest.to_ascii_lowercase();
        let Some(start) = lower.find("<meta") else {
            out.push_str(rest);
            return out;
        };
        let Some(len) = lower[start..].find('>') else {
            out.push_str(rest);
            return out;
        };
        let tag = &rest[start..start + len + 1];
        out.push_str(&rest[..start]);
        rest = &rest[start + len + 1..];
        let tag_lower = tag.to_ascii_lowercase();
        if !tag_lower.contains("content-security-policy") {
            out.push_str(tag);
            continue;
        }
        // The content attribute's value, quoted with " or '.
        let value = tag_lower.find("content=").and_then(|i| {
            let v = i + "content=".len();
            let q = tag[v..].chars().next()?;
            if q != '"' && q != '\'' {
                return None;
            }
            let end = tag[v + 1..].find(q)? + v + 1;
            Some((v, end))
        });
        match value {
            Some((v, end)) => {
                let policy = allow_nonce(&decode_attr(&tag[v + 1..end]));
                let escaped = policy.replace('&', "&amp;").replace('"', "&quot;");
                out.push_str(&tag[..v]);
                out.push('"');
                out.push_str(&escaped);
                out.push('"');
                out.push_str(&tag[end + 1..]);
            }
            None => out.push_str(tag),
        }
    }
}

/// The check copy of a page: the check script first in its `<head>` (after
/// a `<meta charset>`, the page being UTF-8, so that the long script does
/// not push the page's own past the first 1024 bytes), its CSP allowing it.
fn check_copy(html: &str) -> String {
    let script =
        format!("<meta charset=\"utf-8\"><script nonce=\"{NONCE}\">\n{CHECK_JS}\n</script>");
    first_in_head(&csp_with_nonce(html), &script)
}

/// Loads the check copy of `html` at `width` px and returns what the check
/// script and Chromium's log report.
fn check_page(
    chrome: &Path,
    html: &str,
    dir: &Path,
    name: &str,
    width: u32,
) -> Result<CheckRun, String> {
    let started = Instant::now();
    let at = format!("{name} @ {width} px");
    let path = dir.join(format!("check-{name}-{width}.html"));
    fs::write(&path, check_copy(html)).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = chromium(
        chrome,
        &[
            format!("--window-size={width},900"),
            format!("--virtual-time-budget={VIRTUAL_TIME_MS}"),
            "--dump-dom".to_owned(),
            file_url(&path),
        ],
        &at,
    )?;
    const OPEN: &str = "<pre id=\"sd-check\">";
    let json = out
        .stdout
        .rfind(OPEN)
        .and_then(|i| {
            let body = &out.stdout[i + OPEN.len()..];
            body.find("</pre>").map(|e| &body[..e])
        })
        .ok_or_else(|| {
            format!(
                "{at}: the check script wrote no result (did it run?); Chromium's stderr ends:\n{}",
                tail(&out.stderr, 20)
            )
        })?;
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("{at}: check result {json:?}: {e}"))?;
    if let Some(fatal) = v.get("fatal").and_then(|f| f.as_str()) {
        return Err(format!("{at}: {fatal}"));
    }
    let mut problems = Vec::new();
    let mut known = Vec::new();
    for p in v["problems"].as_array().into_iter().flatten() {
        let check = p["check"].as_str().unwrap_or("?").to_owned();
        let detail = p["detail"].as_str().unwrap_or("?").to_owned();
        if let Some(m) = p["message"].as_str() {
            known.push(m.to_owned());
        }
        problems.push(Problem {
            at: at.clone(),
            check,
            detail,
        });
    }
    problems.extend(stderr_problems(&out.stderr, &at, &known));
    Ok(CheckRun {
        scroll_height: v["scrollHeight"].as_u64().unwrap_or(0),
        counts: v["counts"].clone(),
        problems,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A PNG of the original page at `width` px, as tall as the page.
fn screenshot(
    chrome: &Path,
    page: &Path,
    png: &Path,
    width: u32,
    height: u64,
) -> Result<Vec<Problem>, String> {
    let at = format!("screenshot @ {width} px");
    let out = chromium(
        chrome,
        &[
            format!("--window-size={width},{}", height.clamp(1, MAX_HEIGHT)),
            format!("--screenshot={}", png.display()),
            file_url(page),
        ],
        &at,
    )?;
    Ok(stderr_problems(&out.stderr, &at, &[]))
}

/// Prints `page` to an A4 PDF.
fn print_pdf(chrome: &Path, page: &Path, pdf: &Path) -> Result<Vec<Problem>, String> {
    let out = chromium(
        chrome,
        &[
            "--no-pdf-header-footer".to_owned(),
            format!("--print-to-pdf={}", pdf.display()),
            file_url(page),
        ],
        "PDF",
    )?;
    Ok(stderr_problems(&out.stderr, "PDF", &[]))
}

/// The `/MediaBox [0 0 w h]` sizes (points) of a PDF's pages, where they
/// are stored uncompressed (as Chromium writes them).
fn media_boxes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox [")
        .filter_map(|(i, m)| {
            let body = &text[i + m.len()..];
            let nums: Vec<f64> = body[..body.find(']')?]
                .split_ascii_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            match nums.as_slice() {
                [x0, y0, x1, y1] => Some((x1 - x0, y1 - y0)),
                _ => None,
            }
        })
        .collect()
}

fn non_empty(path: &Path) -> u64 {
    let len = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    assert!(len > 0, "{} is missing or empty", path.display());
    len
}

fn chromium_or_fail() -> PathBuf {
    match find_chromium() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn demo_report_in_headless_chromium() {
    let started = Instant::now();
    let dir = out_dir();
    fs::create_dir_all(&dir).unwrap();
    let chrome = chromium_or_fail();
    let report = dir.join("report.html");
    demo::run(report.to_str().expect("a UTF-8 target path")).expect("the demo runs");
    let demo_secs = started.elapsed().as_secs_f64();
    let html = fs::read_to_string(&report).unwrap();

    let mut problems = Vec::new();
    let mut heights = Vec::new();
    for width in WIDTHS {
        let run =
            check_page(&chrome, &html, &dir, "report", width).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "checked report @ {width} px in {:.1} s: {} (page {} px tall), {} problems",
            run.seconds,
            run.counts,
            run.scroll_height,
            run.problems.len()
        );
        assert!(
            run.counts["elements"].as_u64().unwrap_or(0) > 1,
            "the check saw no page"
        );
        heights.push((width, run.scroll_height));
        problems.extend(run.problems);
    }

    // The same report in Chinese (the demo writes it beside the English
    // one): CJK labels are wider per character, so check its layout too.
    let zh = dir.join("report.zh-Hans.html");
    let zh_html = fs::read_to_string(&zh).unwrap();
    let mut zh_height = 0u64;
    for width in WIDTHS {
        let run = check_page(&chrome, &zh_html, &dir, "report.zh-Hans", width)
            .unwrap_or_else(|e| panic!("{e}"));
        println!(
            "checked report.zh-Hans @ {width} px in {:.1} s: {} problems",
            run.seconds,
            run.problems.len()
        );
        if width == WIDTHS[0] {
            zh_height = run.scroll_height;
        }
        problems.extend(run.problems);
    }

    // Screenshots of the original page, as tall as it is.
    let mut files = Vec::new();
    let png = dir.join(format!("report.zh-Hans-{}.png", WIDTHS[0]));
    let _ = fs::remove_file(&png);
    problems.extend(
        screenshot(&chrome, &zh, &png, WIDTHS[0], zh_height).unwrap_or_else(|e| panic!("{e}")),
    );
    files.push(png);
    for (width, height) in heights {
        let png = dir.join(format!("report-{width}.png"));
        let _ = fs::remove_file(&png);
        problems.extend(
            screenshot(&chrome, &report, &png, width, height).unwrap_or_else(|e| panic!("{e}")),
        );
        files.push(png);
    }
    // The print check: the original page on A4 paper (Chromium's headless
    // default is US Letter; a page's own @page size, if any, still wins as
    // it comes later).
    let print = dir.join("report-print.html");
    fs::write(
        &print,
        first_in_head(&html, "<style>@page{size:A4}</style>"),
    )
    .unwrap();
    let pdf = dir.join("report.pdf");
    let _ = fs::remove_file(&pdf);
    problems.extend(print_pdf(&chrome, &print, &pdf).unwrap_or_else(|e| panic!("{e}")));
    files.push(pdf.clone());

    for f in &files {
        println!("wrote {} ({} bytes)", f.display(), non_empty(f));
    }
    let pages = media_boxes(&fs::read(&pdf).unwrap());
    if let Some((w, h)) = pages.first() {
        println!("PDF: {} pages of {w:.0} x {h:.0} pt", pages.len());
        assert!(
            (w - 595.3).abs() < 2.0 && (h - 841.9).abs() < 2.0,
            "the PDF is not A4: {w} x {h} pt"
        );
    }
    println!(
        "browser check: demo {demo_secs:.1} s, total {:.1} s",
        started.elapsed().as_secs_f64()
    );

    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        panic!(
            "the report has {} problems in the browser (screenshots in {}):\n{}",
            problems.len(),
            dir.display(),
            list.join("\n")
        );
    }
}

const CLEAN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>clean</title>
<style>body{font-family:sans-serif;max-width:600px;margin:1em auto}.chart{max-width:100%;height:auto}</style></head>
<body><h1>A clean page</h1><p>Some text that wraps as it should, with a table:</p>
<table><tr><td>a</td><td>1</td></tr></table>
<svg xmlns="http://www.w3.org/2000/svg" id="fine" class="chart" width="400" height="100" viewBox="0 0 400 100" role="img"><title>Two labels apart</title>
<rect x="10" y="10" width="100" height="20" fill="steelblue"/><text x="10" y="50" font-size="12">left label</text><text x="250" y="80" font-size="12">right label</text></svg>
</body></html>"#;

const BAD_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>bad</title></head>
<body><h1>A bad page</h1>
<div id="wide" style="width:3000px">far too wide</div>
<svg xmlns="http://www.w3.org/2000/svg" id="crowded" width="300" height="100" viewBox="0 0 300 100">
<text x="10" y="50" font-size="14">first label</text><text x="20" y="52" font-size="14">second label</text>
<text x="250" y="90" font-size="14">sticking out</text></svg>
<img src="http://127.0.0.1:9/x.png" alt="remote">
<script>console.error("sd-test boom");</script>
</body></html>"#;

#[test]
fn the_check_passes_a_clean_page_and_catches_a_bad_one() {
    let chrome = chromium_or_fail();
    let dir = out_dir().join("selftest");
    fs::create_dir_all(&dir).unwrap();

    let clean =
        check_page(&chrome, CLEAN_PAGE, &dir, "clean", 794).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        clean.problems.is_empty(),
        "the clean page has problems: {:#?}",
        clean.problems
    );
    assert_eq!(clean.counts["svgs"], 1, "{}", clean.counts);
    assert_eq!(clean.counts["texts"], 2, "{}", clean.counts);

    let bad = check_page(&chrome, BAD_PAGE, &dir, "bad", 794).unwrap_or_else(|e| panic!("{e}"));
    let list: Vec<String> = bad.problems.iter().map(|p| p.to_string()).collect();
    println!("the bad page's problems:\n{}", list.join("\n"));
    let has = |check: &str, words: &[&str]| {
        bad.problems
            .iter()
            .any(|p| p.check == check && words.iter().all(|w| p.detail.contains(w)))
    };
    assert!(
        has("overflow", &["<div id=\"wide\">", "3000 px"]),
        "{list:#?}"
    );
    assert!(
        has("overlap", &["#crowded", "first label", "second label"]),
        "{list:#?}"
    );
    assert!(has("text-outside-svg", &["sticking out"]), "{list:#?}");
    assert!(has("resource", &["http://127.0.0.1:9/x.png"]), "{list:#?}");
    assert!(has("accessibility", &["#crowded", "role"]), "{list:#?}");
    assert!(has("accessibility", &["#crowded", "<title>"]), "{list:#?}");
    assert!(has("console-error", &["sd-test boom"]), "{list:#?}");
    // Chromium's log repeats the console error; it is reported once.
    assert!(
        !bad.problems
            .iter()
            .any(|p| p.check.starts_with("console (") && p.detail.contains("sd-test boom")),
        "{list:#?}"
    );
}

#[test]
fn chromium_stderr_console_lines() {
    let stderr = "/usr/bin/chromium: 9: [: 25274994688: unexpected operator\n\
[1:2:1204/070931.611874:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n\
[1:2:1204/070932.743500:INFO:CONSOLE:3] \"[console.error] boom 1\", source: file:///a.html (3)\n\
[1:2:1204/070932.743565:INFO:CONSOLE:3] \"just a log\", source: file:///a.html (3)\n\
[1:2:1204/070932.755923:INFO:CONSOLE:5] \"Uncaught ReferenceError: f is not defined\", source: file:///a.html (5)\n\
[1:2:1204/070933.276521:INFO:CONSOLE(4)] \"Loading the image 'http://x/y.png' violates the following Content Security Policy directive: \"default-src 'none'\".\", source: file:///b.html (4)\n\
[1:2:1204/070933.300000:ERROR:CONSOLE:7] \"two\nlines\", source: file:///a.html (7)\n\
[1:2:1204/070933.400000:WARNING:media/gpu/vaapi/vaapi_wrapper.cc:1655] drmGetDevices2() has not found any devices\n";
    let got = console_messages(stderr);
    let view: Vec<(&str, bool)> = got.iter().map(|c| (c.message.as_str(), c.error)).collect();
    assert_eq!(
        view,
        vec![
            ("[console.error] boom 1", true),
            ("just a log", false),
            ("Uncaught ReferenceError: f is not defined", true),
            (
                "Loading the image 'http://x/y.png' violates the following Content Security Policy directive: \"default-src 'none'\".",
                true
            ),
            ("two\nlines", true),
        ]
    );
    let p = stderr_problems(stderr, "x", &["boom 1".to_owned()]);
    assert_eq!(p.len(), 3, "{p:#?}");
}

#[test]
fn the_check_copy_allows_its_script_under_the_page_csp() {
    assert_eq!(
        allow_nonce("default-src 'none'; style-src 'unsafe-inline'"),
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-sd-check'"
    );
    assert_eq!(
        allow_nonce("default-src 'self'; script-src 'sha256-abc'"),
        "default-src 'self'; script-src 'sha256-abc' 'nonce-sd-check'"
    );
    assert_eq!(allow_nonce("img-src data:"), "img-src data:");
    let page = "<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;\"><header>x</header></head></html>";
    let copy = check_copy(page);
    assert!(copy.starts_with("<html><head><meta charset=\"utf-8\"><script nonce=\"sd-check\">"));
    assert!(copy.contains(
        "content=\"default-src 'none'; script-src 'nonce-sd-check'\"><header>x</header>"
    ));
}
