//! Output: Podman-style tables, human durations and sizes, and Go templates (`--format`) over
//! JSON values.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

/// A template that does not parse or cannot be executed on the data.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    /// The template does not parse.
    #[error("template {template:?}: {message}")]
    Invalid {
        /// The whole template.
        template: String,
        /// What is wrong with it.
        message: String,
    },
    /// The template parsed but failed on this data (a function given the wrong arguments...).
    #[error("template {template:?}: {message}")]
    Exec {
        /// The whole template.
        template: String,
        /// What went wrong.
        message: String,
    },
}

/// Renders rows as Podman does (Go tabwriter, minwidth 12, padding 2): every column but the
/// last is padded to max(12, widest cell + 2).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, c) in cells.enumerate() {
            if i + 1 < n {
                let w = (widths[i] + 2).max(12);
                let _ = write!(s, "{c:<w$}");
            } else {
                s.push_str(c);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
}

/// A rendered table without its header line when `noheading` (`--noheading`).
pub fn strip_heading(table: &str, noheading: bool) -> &str {
    if noheading {
        table.split_once('\n').map_or("", |(_, rows)| rows)
    } else {
        table
    }
}

/// Prints a [`table`], without its header line when `noheading`.
pub fn print_table(table: &str, noheading: bool) {
    print!("{}", strip_heading(table, noheading));
}

/// Human duration as Docker's go-units `HumanDuration` writes it ("3 seconds", "About a minute").
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        return "Less than a second".into();
    }
    let s = secs as u64;
    if s == 1 {
        return "1 second".into();
    }
    if s < 60 {
        return format!("{s} seconds");
    }
    let minutes = s / 60;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (secs / 3600.0 + 0.5) as u64;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", (secs / 3600.0) as u64 / 24 / 365)
}

/// "2 minutes ago" for a moment before `now` (a moment in the future counts as now).
pub fn ago(t: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let d = (now - t).to_std().unwrap_or_default();
    format!("{} ago", human_duration(d))
}

/// A moment as Go's `time.Time` prints itself in a template (`2022-06-15 00:00:00 +0000
/// UTC`; a fraction of a second only when there is one, without trailing zeros).
pub fn go_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike as _;
    let mut frac = format!(".{:09}", t.nanosecond() % 1_000_000_000);
    while frac.ends_with('0') {
        frac.pop();
    }
    if frac == "." {
        frac.clear();
    }
    format!("{}{frac} +0000 UTC", t.format("%Y-%m-%d %H:%M:%S"))
}

/// Size with 3 significant digits and decimal units, as `podman images` prints ("1.46 MB").
pub fn human_size(bytes: u64) -> String {
    let (text, unit) = significant(bytes, 3);
    format!("{text} {unit}")
}

/// go-units' `HumanSize`: 4 significant digits, decimal units, no space ("1.049MB",
/// "0B"), as `podman system df` prints sizes.
pub fn go_human_size(bytes: u64) -> String {
    let (text, unit) = significant(bytes, 4);
    format!("{text}{unit}")
}

/// `bytes` in decimal units with `digits` significant digits as Go's `%.Ng` writes them
/// (trailing zeros dropped), and the unit.
fn significant(bytes: u64, digits: usize) -> (String, &'static str) {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    // `digits` significant digits without Go's %g exponent form.
    let int_digits = if v >= 100.0 {
        3
    } else if v >= 10.0 {
        2
    } else {
        1
    };
    let decimals = digits.saturating_sub(int_digits);
    let mut text = format!("{v:.decimals$}");
    // Rounding can reach the next unit (999.6 kB -> "1000" with 3 digits; Go's %.3g
    // writes that as 1e+03, which Podman's column shows as the next unit).
    if digits <= 3 && text == "1000" && i + 1 < UNITS.len() {
        text = "1".into();
        i += 1;
    }
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').into();
    }
    (text, UNITS[i])
}

/// The first 12 characters of an id (or the whole id with `no_trunc`).
pub fn short_id(id: &str, no_trunc: bool) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    if no_trunc || id.len() <= 12 {
        id
    } else {
        &id[..12]
    }
}

/// A command line for `ps`: words joined by spaces, quoted-ish like Podman, cut to 17 + "...".
pub fn command_column(argv: &[String], no_trunc: bool) -> String {
    let s = argv.join(" ");
    if no_trunc || s.chars().count() <= 20 {
        s
    } else {
        let cut: String = s.chars().take(17).collect();
        format!("{cut}...")
    }
}

/// The STATUS column of `ps`, as Podman writes it.
pub fn status_column(
    status: &str,
    exit_code: Option<i32>,
    started: Option<chrono::DateTime<chrono::Utc>>,
    finished: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    match status {
        "running" => match started {
            Some(t) => format!("Up {}", ago(t, now)),
            None => "Up".into(),
        },
        "paused" => "Paused".into(),
        "exited" | "stopped" => {
            let code = exit_code.unwrap_or(0);
            match finished {
                Some(t) => format!("Exited ({code}) {}", ago(t, now)),
                None => format!("Exited ({code})"),
            }
        }
        "created" | "configured" => "Created".into(),
        "stopping" => "Stopping".into(),
        "removing" => "Removing".into(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => "Unknown".into(),
            }
        }
    }
}

/// Whether a `--format` value asks for JSON.
pub fn is_json(format: Option<&str>) -> bool {
    matches!(format.map(str::trim), Some("json") | Some("{{json .}}"))
}

/// Renders a Go template (Go's `text/template`, by the `gotmpl` crate) against `v`, with the
/// functions Podman adds (`json`, `lower`, `upper`, `title`, `split`, `join`, `truncate`, `pad`).
/// A `table ` prefix is dropped (callers that print a header handle it), `\t` and `\n` escapes
/// typed on a command line become tab and newline, as in Podman.
/// A field the data does not have is an error (Podman's data are Go structs), naming the field.
pub fn template(tpl: &str, v: &Value) -> Result<String, TemplateError> {
    Template::parse(tpl)?.render(v)
}

/// A `--format` template parsed once, for rendering many rows.
///
/// One rendering is bounded (templates can loop and grow strings; a `--format` may come from
/// a script or a config file): at most [`MAX_TEMPLATE_OUTPUT`] bytes printed or held by any
/// one value a function makes, [`MAX_TEMPLATE_WORK`] bytes made by all function calls,
/// [`MAX_TEMPLATE_CALLS`] function calls and [`MAX_TEMPLATE_RANGE`] `range` iterations.
/// Past a bound the rendering stops with [`TemplateError::Exec`] naming it.
pub struct Template {
    source: String,
    parsed: gotmpl::Template,
    budget: Arc<Budget>,
}

impl Template {
    /// Parses `tpl` (see [`template`]).
    pub fn parse(tpl: &str) -> Result<Self, TemplateError> {
        let budget = Arc::new(Budget::default());
        Ok(Template {
            source: tpl.to_string(),
            parsed: compile(tpl, &budget)?,
            budget,
        })
    }

    /// Renders the template against `v`.
    pub fn render(&self, v: &Value) -> Result<String, TemplateError> {
        self.budget.reset();
        let mut out = BoundedOutput::default();
        let done = self.parsed.execute_fmt(&mut out, &to_go(v));
        let message = if out.overflow {
            format!("output exceeds the limit of {MAX_TEMPLATE_OUTPUT} bytes")
        } else {
            match done {
                Ok(()) => return Ok(out.text),
                Err(e) => e.to_string(),
            }
        };
        Err(TemplateError::Exec {
            template: self.source.clone(),
            message,
        })
    }
}

/// Most bytes one rendering of a `--format` template may print, and most bytes any one value
/// made by a template function (`printf`, `pad`, `join`...) may hold.
pub const MAX_TEMPLATE_OUTPUT: usize = 16 << 20;
/// Most bytes all the function calls of one rendering may make together: a loop re-making a
/// large string stops here instead of running for hours.
pub const MAX_TEMPLATE_WORK: u64 = 256 << 20;
/// Most function calls in one rendering (a recursive `{{template}}` that shrinks its data
/// with `slice` at every level would otherwise branch exponentially).
pub const MAX_TEMPLATE_CALLS: u64 = 100_000;
/// Most `range` iterations in one rendering, all loops together.
pub const MAX_TEMPLATE_RANGE: u64 = 1_000_000;

/// What one rendering has spent so far (shared by the template's function closures).
#[derive(Default)]
struct Budget {
    bytes: AtomicU64,
    calls: AtomicU64,
}

impl Budget {
    fn reset(&self) {
        self.bytes.store(0, Ordering::Relaxed);
        self.calls.store(0, Ordering::Relaxed);
    }

    /// Charges one call of `name` that will make at most `bytes`; refuses before anything
    /// is allocated.
    fn charge(&self, name: &str, bytes: usize) -> gotmpl::Result<()> {
        if bytes > MAX_TEMPLATE_OUTPUT {
            return Err(gotmpl::TemplateError::Exec(format!(
                "{name}: a result of up to {bytes} bytes exceeds the limit of {MAX_TEMPLATE_OUTPUT} bytes"
            )));
        }
        if self.calls.fetch_add(1, Ordering::Relaxed) >= MAX_TEMPLATE_CALLS {
            return Err(gotmpl::TemplateError::Exec(format!(
                "{name}: more than {MAX_TEMPLATE_CALLS} function calls"
            )));
        }
        let before = self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        if before + bytes as u64 > MAX_TEMPLATE_WORK {
            return Err(gotmpl::TemplateError::Exec(format!(
                "{name}: the functions of this template made more than {MAX_TEMPLATE_WORK} bytes"
            )));
        }
        Ok(())
    }
}

/// The rendered text, refusing to grow past [`MAX_TEMPLATE_OUTPUT`].
#[derive(Default)]
struct BoundedOutput {
    text: String,
    overflow: bool,
}

impl std::fmt::Write for BoundedOutput {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.text.len() + s.len() > MAX_TEMPLATE_OUTPUT {
            self.overflow = true;
            return Err(std::fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

/// An upper bound of the length of `v` as Go's `%v` prints it.
fn printed_len(v: &gotmpl::Value) -> usize {
    match v {
        gotmpl::Value::String(s) => s.len(),
        gotmpl::Value::List(a) => a.iter().map(|v| printed_len(v) + 1).sum::<usize>() + 2,
        gotmpl::Value::Map(m) => {
            m.iter()
                .map(|(k, v)| k.len() + printed_len(v) + 2)
                .sum::<usize>()
                + 5
        }
        _ => 32,
    }
}

/// An upper bound of what `printf` makes of `args` (format first): every verb may pad to
/// the engine's width and precision cap (65535), and `%q`/`%x` may quadruple an argument.
fn printf_bound(args: &[gotmpl::Value]) -> usize {
    let Some(gotmpl::Value::String(f)) = args.first() else {
        return 0;
    };
    let mut verbs = 0usize;
    let mut bytes = f.as_bytes().iter().peekable();
    while let Some(&b) = bytes.next() {
        if b != b'%' {
            continue;
        }
        let mut padded = false;
        while let Some(&&c) = bytes.peek() {
            if c.is_ascii_digit() || c == b'*' {
                padded = true;
            } else if !matches!(c, b'.' | b'-' | b'+' | b'#' | b' ' | b'[' | b']') {
                break;
            }
            bytes.next();
        }
        verbs += if padded { 2 * 65_536 + 400 } else { 400 };
    }
    f.len()
        .saturating_add(verbs)
        .saturating_add(args[1..].iter().map(|a| 4 * printed_len(a)).sum())
}

thread_local! {
    /// One-call templates running the engine's own built-in functions, by (name, arity).
    static BUILTINS: std::cell::RefCell<std::collections::HashMap<(&'static str, usize), std::rc::Rc<gotmpl::Template>>> =
        Default::default();
    /// The value the last one-call template handed back.
    static RETURNED: std::cell::RefCell<Option<gotmpl::Value>> = const { std::cell::RefCell::new(None) };
}

/// Runs the engine's built-in `name` on `args` (the bounded wrappers check first, then call
/// the real thing so Go's semantics stay the engine's).
fn builtin(name: &'static str, args: &[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> {
    let tpl = BUILTINS.with(|b| -> gotmpl::Result<std::rc::Rc<gotmpl::Template>> {
        if let Some(t) = b.borrow().get(&(name, args.len())) {
            return Ok(t.clone());
        }
        let call: String = (0..args.len()).map(|i| format!(" .A{i}")).collect();
        let t = gotmpl::Template::new(name)
            .func("lpodReturn", |a: &[gotmpl::Value]| {
                RETURNED.with(|r| *r.borrow_mut() = a.first().cloned());
                Ok(gotmpl::Value::Nil)
            })
            .parse(&format!("{{{{lpodReturn ({name}{call})}}}}"))?;
        let t = std::rc::Rc::new(t);
        b.borrow_mut().insert((name, args.len()), t.clone());
        Ok(t)
    })?;
    let data: std::collections::BTreeMap<String, gotmpl::Value> = args
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("A{i}"), a.clone()))
        .collect();
    tpl.execute_fmt(&mut String::new(), &gotmpl::Value::from(data))
        .map_err(|e| gotmpl::TemplateError::Exec(format!("{name}: {e}")))?;
    RETURNED
        .with(|r| r.borrow_mut().take())
        .ok_or_else(|| gotmpl::TemplateError::Exec(format!("{name}: no result")))
}

/// Splits a `table` template body into its columns: at whitespace (or `\t`) outside
/// `{{ }}` actions, as Podman turns `table {{.A}} {{.B}}` into tab-separated columns.
fn table_cells(body: &str) -> Vec<String> {
    let body = body.replace("\\t", "\t");
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && chars.peek() == Some(&'{') {
            chars.next();
            depth += 1;
            cur.push_str("{{");
        } else if c == '}' && chars.peek() == Some(&'}') && depth > 0 {
            chars.next();
            depth -= 1;
            cur.push_str("}}");
        } else if c.is_whitespace() && depth == 0 {
            if !cur.is_empty() {
                cells.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        cells.push(cur);
    }
    cells
}

/// Renders `items` with a `--format` template: a `table ...` template as aligned columns
/// under a header (each column's header is the template run against `headers`, which maps
/// Go field names to Podman's column titles; without `noheading`), any other template as
/// one line per item. An empty `table` body means `default`.
pub fn render(
    tpl: &str,
    default: &str,
    headers: &Value,
    items: &[Value],
    noheading: bool,
) -> Result<String, TemplateError> {
    Rows::parse(tpl, default, headers)?.render(items, noheading)
}

/// A `--format` template for many rows, parsed once (see [`render`]): for verbs that print
/// again and again (`stats` samples).
pub enum Rows {
    /// `table ...`: one template per column, and the column titles.
    Table {
        /// The cells' templates.
        cells: Vec<Template>,
        /// The header line's titles.
        head: Vec<String>,
    },
    /// Any other template: one line per item.
    Lines(Template),
}

impl Rows {
    /// Parses `tpl` (see [`render`] for `default` and `headers`).
    pub fn parse(tpl: &str, default: &str, headers: &Value) -> Result<Rows, TemplateError> {
        let trimmed = tpl.trim_start();
        let Some(body) = trimmed.strip_prefix("table") else {
            return Ok(Rows::Lines(Template::parse(tpl)?));
        };
        let body = if body.trim().is_empty() {
            default
        } else {
            body
        };
        let sources = table_cells(body);
        let cells = sources
            .iter()
            .map(|c| Template::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        let head = sources
            .iter()
            .zip(&cells)
            .map(|(c, t)| t.render(headers).unwrap_or_else(|_| c.to_uppercase()))
            .collect();
        Ok(Rows::Table { cells, head })
    }

    /// Renders `items` (a table: with its header unless `noheading`).
    pub fn render(&self, items: &[Value], noheading: bool) -> Result<String, TemplateError> {
        match self {
            Rows::Table { cells, head } => {
                let mut rows = Vec::new();
                for it in items {
                    let mut row = Vec::new();
                    for c in cells {
                        row.push(c.render(it)?);
                    }
                    rows.push(row);
                }
                let head_refs: Vec<&str> = head.iter().map(String::as_str).collect();
                let out = table(&head_refs, &rows);
                Ok(strip_heading(&out, noheading).to_string())
            }
            Rows::Lines(t) => {
                let mut out = String::new();
                for it in items {
                    out.push_str(&t.render(it)?);
                    out.push('\n');
                }
                Ok(out)
            }
        }
    }
}

/// `f` behind the budget: `bound` says (before `f` runs) how many bytes it may make.
fn bounded(
    budget: &Arc<Budget>,
    name: &'static str,
    bound: fn(&[gotmpl::Value]) -> usize,
    f: impl Fn(&[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> + Send + Sync + 'static,
) -> impl Fn(&[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> + Send + Sync + 'static {
    let budget = budget.clone();
    move |a: &[gotmpl::Value]| {
        budget.charge(name, bound(a))?;
        f(a)
    }
}

/// Bytes of the arguments as printed, times `k` (case mapping, escaping may grow them).
fn args_len(a: &[gotmpl::Value], k: usize) -> usize {
    a.iter()
        .map(|v| printed_len(v).saturating_mul(k) + 1)
        .fold(0usize, usize::saturating_add)
}

fn compile(tpl: &str, budget: &Arc<Budget>) -> Result<gotmpl::Template, TemplateError> {
    let body = tpl.strip_prefix("table ").unwrap_or(tpl);
    let body = body.replace("\\t", "\t").replace("\\n", "\n");
    gotmpl::Template::new("format")
        .func("json", bounded(budget, "json", |a| args_len(a, 6), go_json))
        .func(
            "lower",
            bounded(
                budget,
                "lower",
                |a| args_len(a, 3),
                |a: &[gotmpl::Value]| Ok(gotmpl::Value::from(one_str("lower", a)?.to_lowercase())),
            ),
        )
        .func(
            "upper",
            bounded(
                budget,
                "upper",
                |a| args_len(a, 3),
                |a: &[gotmpl::Value]| Ok(gotmpl::Value::from(one_str("upper", a)?.to_uppercase())),
            ),
        )
        .func(
            "title",
            bounded(budget, "title", |a| args_len(a, 3), go_title),
        )
        .func(
            "split",
            bounded(budget, "split", |a| args_len(a, 2), go_split),
        )
        .func("join", bounded(budget, "join", join_bound, go_join))
        .func(
            "truncate",
            bounded(budget, "truncate", |a| args_len(a, 1), go_truncate),
        )
        .func("pad", bounded(budget, "pad", pad_bound, go_pad))
        // The engine's own functions that make strings or walk data, behind the same budget.
        .func(
            "printf",
            bounded(budget, "printf", printf_bound, |a: &[gotmpl::Value]| {
                builtin("printf", a)
            }),
        )
        .func(
            "print",
            bounded(
                budget,
                "print",
                |a| args_len(a, 1),
                |a: &[gotmpl::Value]| builtin("print", a),
            ),
        )
        .func(
            "println",
            bounded(
                budget,
                "println",
                |a| args_len(a, 1),
                |a: &[gotmpl::Value]| builtin("println", a),
            ),
        )
        .func(
            "html",
            bounded(
                budget,
                "html",
                |a| args_len(a, 6),
                |a: &[gotmpl::Value]| builtin("html", a),
            ),
        )
        .func(
            "js",
            bounded(
                budget,
                "js",
                |a| args_len(a, 6),
                |a: &[gotmpl::Value]| builtin("js", a),
            ),
        )
        .func(
            "urlquery",
            bounded(
                budget,
                "urlquery",
                |a| args_len(a, 3),
                |a: &[gotmpl::Value]| builtin("urlquery", a),
            ),
        )
        .func(
            "slice",
            bounded(
                budget,
                "slice",
                |_| 0,
                |a: &[gotmpl::Value]| builtin("slice", a),
            ),
        )
        .func(
            "index",
            bounded(
                budget,
                "index",
                |_| 0,
                |a: &[gotmpl::Value]| builtin("index", a),
            ),
        )
        .max_range_iters(MAX_TEMPLATE_RANGE)
        .missing_key(gotmpl::MissingKey::Error)
        .parse(&body)
        .map_err(|e| TemplateError::Invalid {
            template: tpl.into(),
            message: e.to_string(),
        })
}

/// `network_interface` → `NetworkInterface`: the Go field name of a lower-case JSON key.
fn pascal(key: &str) -> String {
    let p: String = key
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect();
    // Go spells the initialism in capitals (`ociRuntime` is the field `OCIRuntime`).
    match p.strip_prefix("Oci") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => format!("OCI{rest}"),
        _ => p,
    }
}

/// `Id` → `ID`, `InfraId` → `InfraID`: the Go field name of a JSON key ending in `Id`.
fn go_id_alias(key: &str) -> Option<String> {
    let stem = key.strip_suffix("Id")?;
    (stem.is_empty() || stem.starts_with(|c: char| c.is_ascii_uppercase()))
        .then(|| format!("{stem}ID"))
}

/// Whether `key` is the alias `to_go` added for another key of the same map.
fn is_alias(m: &std::collections::BTreeMap<std::sync::Arc<str>, gotmpl::Value>, key: &str) -> bool {
    if key == "ID" && m.keys().any(|k| &**k == "Id") {
        return true;
    }
    key.starts_with(|c: char| c.is_ascii_uppercase())
        && m.keys().any(|k| {
            (k.starts_with(|c: char| c.is_ascii_lowercase()) && pascal(k) == key)
                || go_id_alias(k).as_deref() == Some(key)
        })
}

/// JSON as template data: objects become maps (Go prints them sorted, `map[k:v]`). Where a
/// JSON key is lower-case (`name`, `network_interface`, as Podman's own JSON for networks),
/// its Go field name (`Name`, `NetworkInterface`) reaches the same value, since templates
/// name Go fields. Maps of user data (labels, annotations, options) keep their keys as given.
fn to_go(v: &Value) -> gotmpl::Value {
    to_go_in(v, false)
}

fn to_go_in(v: &Value, user_keys: bool) -> gotmpl::Value {
    match v {
        Value::Null => gotmpl::Value::Nil,
        Value::Bool(b) => gotmpl::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                gotmpl::Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                gotmpl::Value::Uint(u)
            } else {
                gotmpl::Value::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::String(s) => gotmpl::Value::from(s.as_str()),
        Value::Array(a) => {
            gotmpl::Value::from(a.iter().map(|v| to_go_in(v, false)).collect::<Vec<_>>())
        }
        Value::Object(m) => {
            let child = |k: &str, v: &Value| {
                let user = matches!(
                    k.to_ascii_lowercase().as_str(),
                    "labels"
                        | "annotations"
                        | "options"
                        | "driveropts"
                        | "config_labels"
                        | "networks"
                );
                to_go_in(v, user)
            };
            let mut out: std::collections::BTreeMap<String, gotmpl::Value> =
                m.iter().map(|(k, v)| (k.clone(), child(k, v))).collect();
            if !user_keys {
                for (k, v) in m {
                    if k.starts_with(|c: char| c.is_ascii_lowercase()) {
                        out.entry(pascal(k)).or_insert_with(|| child(k, v));
                    }
                    // Go's `ID` field is `Id` in Podman's JSON (`Id`, `InfraId`).
                    if let Some(go) = go_id_alias(k) {
                        out.entry(go).or_insert_with(|| child(k, v));
                    }
                }
                // Podman's Go structs name `Id` (their JSON key) `ID`.
                if let Some(v) = m.get("Id") {
                    out.entry("ID".to_string())
                        .or_insert_with(|| child("Id", v));
                }
            }
            gotmpl::Value::from(out)
        }
    }
}

/// Template data back as JSON (for the `json` function).
fn from_go(v: &gotmpl::Value) -> Value {
    match v {
        gotmpl::Value::Nil => Value::Null,
        gotmpl::Value::Bool(b) => Value::Bool(*b),
        gotmpl::Value::Int(i) => Value::from(*i),
        gotmpl::Value::Uint(u) => Value::from(*u),
        gotmpl::Value::Float(f) => Value::from(*f),
        gotmpl::Value::String(s) => Value::String(s.to_string()),
        gotmpl::Value::List(a) => Value::Array(a.iter().map(from_go).collect()),
        gotmpl::Value::Map(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !is_alias(m, k))
                .map(|(k, v)| (k.to_string(), from_go(v)))
                .collect(),
        ),
        other => Value::String(other.to_string()),
    }
}

fn arg_err(name: &str, want: &str) -> gotmpl::TemplateError {
    gotmpl::TemplateError::Exec(format!("{name}: expected {want}"))
}

fn one_str(name: &str, a: &[gotmpl::Value]) -> gotmpl::Result<String> {
    match a {
        [v] => Ok(v.to_string()),
        _ => Err(arg_err(name, "one argument")),
    }
}

fn go_json(a: &[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> {
    match a {
        [v] => Ok(gotmpl::Value::from(
            serde_json::to_string(&from_go(v)).unwrap_or_default(),
        )),
        _ => Err(arg_err("json", "one argument")),
    }
}

fn go_title(a: &[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> {
    let s = one_str("title", a)?;
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace();
    }
    Ok(gotmpl::Value::from(out))
}

fn go_split(a: &[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> {
    match a {
        [s, sep] => {
            let (s, sep) = (s.to_string(), sep.to_string());
            Ok(gotmpl::Value::from(
                s.split(sep.as_str())
                    .map(gotmpl::Value::from)
                    .collect::<Vec<_>>(),
            ))
        }
        _ => Err(arg_err("split", "a string and a separator")),
    }
}

fn go_join(a: &[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> {
    match a {
        [gotmpl::Value::List(items), sep] => Ok(gotmpl::Value::from(
            items
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(&sep.to_string()),
        )),
        _ => Err(arg_err("join", "a list and a separator")),
    }
}

fn int_arg(name: &str, v: &gotmpl::Value) -> gotmpl::Result<usize> {
    match v {
        gotmpl::Value::Int(i) if *i >= 0 => Ok(*i as usize),
        gotmpl::Value::Uint(u) => Ok(*u as usize),
        _ => Err(arg_err(name, "a non-negative length")),
    }
}

fn go_truncate(a: &[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> {
    match a {
        [s, n] => {
            let n = int_arg("truncate", n)?;
            Ok(gotmpl::Value::from(
                s.to_string().chars().take(n).collect::<String>(),
            ))
        }
        _ => Err(arg_err("truncate", "a string and a length")),
    }
}

/// What `join LIST SEP` makes: the items as printed and a separator between each two.
fn join_bound(a: &[gotmpl::Value]) -> usize {
    match a {
        [gotmpl::Value::List(items), sep] => items
            .iter()
            .map(|i| printed_len(i).saturating_add(printed_len(sep)))
            .fold(0usize, usize::saturating_add),
        _ => 0,
    }
}

/// What `pad S PREFIX SUFFIX` makes: the string and both paddings.
fn pad_bound(a: &[gotmpl::Value]) -> usize {
    let width = |v: &gotmpl::Value| match v {
        gotmpl::Value::Int(i) => usize::try_from(*i).unwrap_or(0),
        gotmpl::Value::Uint(u) => usize::try_from(*u).unwrap_or(usize::MAX),
        _ => 0,
    };
    match a {
        [s, p, q] => printed_len(s)
            .saturating_add(width(p))
            .saturating_add(width(q)),
        _ => 0,
    }
}

fn go_pad(a: &[gotmpl::Value]) -> gotmpl::Result<gotmpl::Value> {
    match a {
        [s, prefix, suffix] => {
            let (p, q) = (int_arg("pad", prefix)?, int_arg("pad", suffix)?);
            Ok(gotmpl::Value::from(format!(
                "{}{s}{}",
                " ".repeat(p),
                " ".repeat(q)
            )))
        }
        _ => Err(arg_err("pad", "a string, a prefix and a suffix width")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_time_prints_as_go_does() {
        use chrono::TimeZone as _;
        let t = chrono::Utc.with_ymd_and_hms(2022, 6, 15, 0, 0, 0).unwrap();
        assert_eq!(go_time(t), "2022-06-15 00:00:00 +0000 UTC");
        let t = t + chrono::Duration::milliseconds(250);
        assert_eq!(go_time(t), "2022-06-15 00:00:00.25 +0000 UTC");
    }

    #[test]
    fn tables_pad_like_tabwriter() {
        let t = table(
            &["CONTAINER ID", "IMAGE", "NAMES"],
            &[vec![
                "0123456789ab".into(),
                "localhost/busybox:latest".into(),
                "x".into(),
            ]],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "CONTAINER ID  IMAGE                     NAMES");
        assert_eq!(lines[1], "0123456789ab  localhost/busybox:latest  x");
        // Short columns are at least 12 wide.
        let t = table(&["A", "B"], &[vec!["1".into(), "2".into()]]);
        assert_eq!(t, format!("A{}B\n1{}2\n", " ".repeat(11), " ".repeat(11)));
    }

    #[test]
    fn durations_read_like_podman() {
        let s = Duration::from_secs;
        assert_eq!(
            human_duration(Duration::from_millis(300)),
            "Less than a second"
        );
        assert_eq!(human_duration(s(1)), "1 second");
        assert_eq!(human_duration(s(45)), "45 seconds");
        assert_eq!(human_duration(s(90)), "About a minute");
        assert_eq!(human_duration(s(150)), "2 minutes");
        assert_eq!(human_duration(s(3600)), "About an hour");
        assert_eq!(human_duration(s(3 * 3600)), "3 hours");
        assert_eq!(human_duration(s(3 * 86400)), "3 days");
        assert_eq!(human_duration(s(21 * 86400)), "3 weeks");
        assert_eq!(human_duration(s(90 * 86400)), "3 months");
        assert_eq!(human_duration(s(3 * 365 * 86400)), "3 years");
        let now = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap();
        let then = chrono::DateTime::from_timestamp(1_000_000 - 120, 0).unwrap();
        assert_eq!(ago(then, now), "2 minutes ago");
        assert_eq!(ago(now, then), "Less than a second ago");
    }

    #[test]
    fn sizes_read_like_podman() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1_464_000), "1.46 MB");
        assert_eq!(human_size(4_860), "4.86 kB");
        assert_eq!(human_size(12_345_678), "12.3 MB");
        assert_eq!(human_size(123_456_789), "123 MB");
        assert_eq!(human_size(999_600), "1 MB");
        assert_eq!(human_size(2_000_000_000), "2 GB");
    }

    #[test]
    fn go_units_human_size_has_four_digits_and_no_space() {
        assert_eq!(go_human_size(0), "0B");
        assert_eq!(go_human_size(1_048_576), "1.049MB");
        assert_eq!(go_human_size(65_536), "65.54kB");
        assert_eq!(go_human_size(4_860_000), "4.86MB");
        assert_eq!(go_human_size(123_456_789), "123.5MB");
        assert_eq!(go_human_size(999_960), "1000kB");
        assert_eq!(go_human_size(1_000_000), "1MB");
    }

    #[test]
    fn ids_and_commands() {
        let id = "a".repeat(64);
        assert_eq!(short_id(&id, false).len(), 12);
        assert_eq!(short_id(&id, true).len(), 64);
        assert_eq!(short_id(&format!("sha256:{id}"), false), "aaaaaaaaaaaa");
        assert_eq!(command_column(&["sh".into(), "-c".into()], false), "sh -c");
        let long: Vec<String> = vec![
            "sh".into(),
            "-c".into(),
            "while true; do sleep 1; done".into(),
        ];
        assert_eq!(command_column(&long, false), "sh -c while true;...");
        assert_eq!(
            command_column(&long, true),
            "sh -c while true; do sleep 1; done"
        );
    }

    #[test]
    fn statuses() {
        let now = chrono::DateTime::from_timestamp(1_000_000, 0).unwrap();
        let t = chrono::DateTime::from_timestamp(1_000_000 - 5, 0);
        assert_eq!(
            status_column("running", None, t, None, now),
            "Up 5 seconds ago"
        );
        assert_eq!(
            status_column("exited", Some(3), t, t, now),
            "Exited (3) 5 seconds ago"
        );
        assert_eq!(status_column("created", None, None, None, now), "Created");
        assert_eq!(status_column("paused", None, t, None, now), "Paused");
    }

    #[test]
    fn network_names_are_map_keys_not_fields() {
        // `NetworkSettings.Networks` is keyed by network names: `net1` gets no `Net1` twin.
        let v = json!({"NetworkSettings": {"Networks": {"net1": {"IPAddress": "10.0.0.2"}}}});
        assert_eq!(
            template("{{len .NetworkSettings.Networks}}", &v).unwrap(),
            "1"
        );
        assert_eq!(
            template(
                "{{(index .NetworkSettings.Networks \"net1\").IPAddress}}",
                &v
            )
            .unwrap(),
            "10.0.0.2"
        );
    }

    #[test]
    fn templates() {
        let v = json!({"Id": "abc", "State": {"Status": "running", "ExitCode": 0},
                       "Names": ["n1"], "Labels": {"k": "v"}});
        assert_eq!(template("{{.State.Status}}", &v).unwrap(), "running");
        assert_eq!(
            template("{{.Id}}\\t{{.State.ExitCode}} x", &v).unwrap(),
            "abc\t0 x"
        );
        assert_eq!(template("{{.Names}}", &v).unwrap(), "[n1]");
        assert_eq!(template("{{json .Names}}", &v).unwrap(), "[\"n1\"]");
        assert_eq!(template("{{index .Labels \"k\"}}", &v).unwrap(), "v");
        assert!(matches!(
            template("{{.Nope}}", &v),
            Err(TemplateError::Exec { .. })
        ));
        assert!(matches!(
            template("{{.Id", &v),
            Err(TemplateError::Invalid { .. })
        ));
        assert_eq!(template("{{if .Id}}x{{end}}", &v).unwrap(), "x");
        assert_eq!(
            template("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", &v).unwrap(),
            "k=v;"
        );
        assert_eq!(template("{{.Id | upper}}", &v).unwrap(), "ABC");
        assert_eq!(template("{{printf \"%5s|\" .Id}}", &v).unwrap(), "  abc|");
        assert_eq!(template("{{json .Labels}}", &v).unwrap(), r#"{"k":"v"}"#);
        assert_eq!(template("{{join .Names \",\"}}", &v).unwrap(), "n1");
        assert_eq!(template("{{.Labels}}", &v).unwrap(), "map[k:v]");
        assert_eq!(template("{{truncate .Id 2}}", &v).unwrap(), "ab");
        // Lower-case JSON keys are reached by their Go field names; json prints them once.
        let n = json!({"name": "n", "network_interface": "br0"});
        assert_eq!(
            template("{{.Name}} {{.NetworkInterface}}", &n).unwrap(),
            "n br0"
        );
        assert_eq!(
            template("{{json .}}", &n).unwrap(),
            r#"{"name":"n","network_interface":"br0"}"#
        );
        assert!(is_json(Some("json")));
        assert!(!is_json(Some("{{.Id}}")));
    }

    /// The bounds of one rendering: each of these templates ran out of memory or time before
    /// the bounds (found reading the engine while writing the go_template fuzz target).
    #[test]
    fn templates_are_bounded() {
        let v = json!({"Names": ["a", "b"]});
        let exec_err = |tpl: &str, want: &str| match template(tpl, &v) {
            Err(TemplateError::Exec { message, .. }) => {
                assert!(message.contains(want), "{tpl}: {message}")
            }
            Ok(out) => panic!("{tpl}: rendered {} bytes", out.len()),
            Err(e) => panic!("{tpl}: {e}"),
        };
        // One huge allocation.
        exec_err("{{pad \"x\" 100000000000 0}}", "exceeds the limit");
        exec_err(
            &format!(
                "{{{{join (split \"{}\" \"\") (printf \"%65535s\" \"\")}}}}",
                "a".repeat(300)
            ),
            "exceeds the limit",
        );
        // A string doubled in a loop.
        exec_err(
            "{{$a := \"0123456789abcdef\"}}{{range 40}}{{$a = printf \"%s%s\" $a $a}}{{end}}{{len $a}}",
            "exceeds the limit",
        );
        // The same string re-made forever.
        exec_err(
            "{{range 10000}}{{$b := printf \"%60000s\" \"\"}}{{end}}",
            "made more than",
        );
        // Exponential recursion through slice.
        let a60 = "a".repeat(60);
        exec_err(
            &format!("{{{{define \"x\"}}}}{{{{if .}}}}{{{{template \"x\" (slice . 1)}}}}{{{{template \"x\" (slice . 1)}}}}{{{{end}}}}{{{{end}}}}{{{{template \"x\" (split \"{a60}\" \"\")}}}}"),
            "function calls",
        );
        // Endless loops and endless output.
        exec_err("{{range 1000000000}}{{end}}", "range");
        exec_err(
            "{{range 1000}}{{printf \"%60000d\" 1}}{{end}}",
            "output exceeds the limit",
        );
        // The wrapped built-ins still behave as Go's.
        assert_eq!(
            template("{{printf \"%-4s|%3d|%v\" \"ab\" 7 .Names}}", &v).unwrap(),
            "ab  |  7|[a b]"
        );
        assert_eq!(
            template(
                "{{slice \"abcdef\" 1 3}} {{index .Names 1}} {{print 1 2}} {{println \"x\"}}",
                &v
            )
            .unwrap(),
            "bc b 1 2 x\n"
        );
        assert_eq!(template("{{len (slice .Names 1)}}", &v).unwrap(), "1");
        assert_eq!(
            template("{{html \"<a>\"}} {{js \"'\"}} {{urlquery \"a b\"}}", &v).unwrap(),
            "&lt;a&gt; \\' a+b"
        );
    }
}
