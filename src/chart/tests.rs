//! Layout tests of the SVG writer: well-formed output, text boxes (from
//! the writer's own width estimate) that do not overlap and stay inside
//! the picture, finite numbers only, and a data table row per mark.

use proptest::prelude::*;

use super::canvas::{Anchor, Quad, aabb, overlap, text_quad};
use super::draw::text_on;
use super::text::contrast;
use super::*;

/// Attributes that carry numbers.
const NUMERIC: [&str; 14] = [
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "width",
    "height",
    "points",
    "transform",
    "viewBox",
];

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// One parsed tag: its name, attributes, whether it closes or is empty.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    closing: bool,
    empty: bool,
}

fn check_entities(s: &str) -> Result<(), String> {
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        let tail = &rest[i..];
        let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            .iter()
            .any(|e| tail.starts_with(e));
        if !ok {
            return Err(format!("bare & in {s:?}"));
        }
        rest = &tail[1..];
    }
    Ok(())
}

fn parse_tag(body: &str) -> Result<Tag, String> {
    let closing = body.starts_with('/');
    let body = body.trim_start_matches('/');
    let empty = body.ends_with('/');
    let body = body.trim_end_matches('/');
    let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let name = body[..name_end].to_owned();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("bad tag name in <{body}>"));
    }
    let mut attrs = Vec::new();
    let mut rest = body[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or(format!("attribute without value: {rest}"))?;
        let key = rest[..eq].trim().to_owned();
        let after = &rest[eq + 1..];
        if !after.starts_with('"') {
            return Err(format!("unquoted attribute {key}"));
        }
        let close = after[1..].find('"').ok_or("unclosed attribute")?;
        let value = after[1..=close].to_owned();
        if value.contains('<') {
            return Err(format!("< in attribute {key}"));
        }
        check_entities(&value)?;
        attrs.push((key, value));
        rest = after[close + 2..].trim_start();
    }
    Ok(Tag {
        name,
        attrs,
        closing,
        empty,
    })
}

/// A drawn text: its box and content.
#[derive(Debug)]
struct Drawn {
    quad: Quad,
    text: String,
}

/// Parses the svg: balanced tags, escaped text, numeric attributes finite;
/// the texts with their boxes and the svg's width and height.
fn parse(svg: &str) -> Result<(Vec<Drawn>, f64, f64), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut texts = Vec::new();
    let (mut w, mut h) = (0.0, 0.0);
    let mut rest = svg;
    let mut open_text: Option<(f64, f64, Anchor, f64, bool, f64)> = None;
    let mut content = String::new();
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let between = &rest[..lt];
        if between.contains('>') {
            return Err(format!("stray > in {between:?}"));
        }
        check_entities(between)?;
        if open_text.is_some() {
            content.push_str(between);
        } else if stack.is_empty() && !between.trim().is_empty() {
            return Err(format!("text outside the svg: {between:?}"));
        }
        if lt == rest.len() {
            break;
        }
        let gt = rest[lt..].find('>').ok_or("unclosed tag")? + lt;
        let tag = parse_tag(&rest[lt + 1..gt])?;
        rest = &rest[gt + 1..];
        for (k, v) in &tag.attrs {
            if NUMERIC.contains(&k.as_str()) {
                let ok = v
                    .chars()
                    .all(|c| c.is_ascii_digit() || " .,-()".contains(c) || "rotate".contains(c))
                    && !v.is_empty();
                if !ok {
                    return Err(format!("{k}=\"{v}\" is not finite numbers"));
                }
            }
        }
        let attr = |k: &str| {
            tag.attrs
                .iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v.as_str())
        };
        let num = |k: &str| attr(k).and_then(|v| v.parse::<f64>().ok());
        if tag.closing {
            match stack.pop() {
                Some(open) if open == tag.name => {}
                other => return Err(format!("</{}> closes {other:?}", tag.name)),
            }
            if tag.name == "text" {
                let (x, y, anchor, size, bold, rot) = open_text.take().ok_or("</text>")?;
                let text = unescape(&content);
                texts.push(Drawn {
                    quad: aabb(&text_quad(x, y, anchor, size, bold, &text, rot)),
                    text,
                });
                content.clear();
            }
            continue;
        }
        if tag.name == "svg" && stack.is_empty() {
            w = num("width").ok_or("svg width")?;
            h = num("height").ok_or("svg height")?;
            if attr("viewBox") != Some(&format!("0 0 {w} {h}")) {
                return Err("viewBox".into());
            }
        }
        if tag.name == "text" {
            if open_text.is_some() {
                return Err("nested text".into());
            }
            let anchor = match attr("text-anchor") {
                Some("middle") => Anchor::Middle,
                Some("end") => Anchor::End,
                _ => Anchor::Start,
            };
            let rot = attr("transform")
                .and_then(|t| t.strip_prefix("rotate("))
                .and_then(|t| t.split(' ').next())
                .and_then(|a| a.parse::<f64>().ok())
                .unwrap_or(0.0);
            open_text = Some((
                num("x").ok_or("text x")?,
                num("y").ok_or("text y")?,
                anchor,
                num("font-size").ok_or("font-size")?,
                attr("font-weight") == Some("bold"),
                rot,
            ));
            if !(10.0..=13.0).contains(&num("font-size").unwrap_or(0.0)) {
                return Err("font size out of 10..13".into());
            }
        }
        if !tag.empty {
            stack.push(tag.name);
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    Ok((texts, w, h))
}

/// The layout guarantees: well formed, finite, no text overlaps another
/// or leaves the picture.
fn check(svg: &str) -> Result<(), String> {
    let (texts, w, h) = parse(svg)?;
    for t in &texts {
        for (x, y) in t.quad {
            if x < -0.01 || y < -0.01 || x > w + 0.01 || y > h + 0.01 {
                return Err(format!("{:?} leaves the {w}x{h} box: {:?}", t.text, t.quad));
            }
        }
    }
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            if overlap(&a.quad, &b.quad, 0.0) {
                return Err(format!("{:?} overlaps {:?}", a.text, b.text));
            }
        }
    }
    Ok(())
}

fn days() -> Vec<String> {
    (1..=31).map(|d| format!("Mar {d}")).collect()
}

fn lines_chart(
    x: Vec<String>,
    scale: Scale,
    series: Vec<Series>,
    references: Vec<Reference>,
) -> Chart {
    Chart::new(
        "chart-lines",
        "First response over the month, median and p90, all channels together",
        "Median first response stays under the 4h target except in the second week.",
        ChartKind::Lines(Lines {
            x,
            scale,
            series,
            references,
        }),
    )
}

fn series(name: &str, values: Vec<Option<f64>>, dashed: bool) -> Series {
    Series {
        name: name.to_owned(),
        values,
        dashed,
    }
}

fn reference(label: &str, value: f64) -> Reference {
    Reference {
        label: label.to_owned(),
        value,
    }
}

fn bar(
    label: &str,
    value: Option<f64>,
    text: &str,
    emphasis: Emphasis,
    group: Option<&str>,
) -> Bar {
    Bar {
        label: label.to_owned(),
        value,
        text: text.to_owned(),
        n: 10,
        emphasis,
        group: group.map(str::to_owned),
    }
}

fn bars_chart(bars: Vec<Bar>, reference: Option<Reference>) -> Chart {
    Chart::new(
        "chart-bars",
        "Repeat contacts by channel",
        "WhatsApp repeats more than all channels together.",
        ChartKind::Bars(Bars {
            scale: Scale::Share,
            bars,
            reference,
            empty: "no tickets in the period".to_owned(),
        }),
    )
}

fn column(label: &str, value: Option<f64>, n: u64, emphasis: Emphasis) -> Column {
    Column {
        label: label.to_owned(),
        value,
        n,
        emphasis,
    }
}

fn columns_chart(scale: Scale, columns: Vec<Column>, markers: Vec<Marker>) -> Chart {
    Chart::new(
        "chart-columns",
        "Time to first response",
        "Most tickets get a first response within 2 hours.",
        ChartKind::Columns(Columns {
            scale,
            columns,
            markers,
        }),
    )
}

fn marker(label: &str, at: f64) -> Marker {
    Marker {
        label: label.to_owned(),
        at,
    }
}

fn point(label: &str, x: f64, y: f64, weight: u64, quadrant: Quadrant) -> Point {
    Point {
        label: label.to_owned(),
        x,
        y,
        weight,
        quadrant,
        text: format!("{label}: {weight} tickets"),
    }
}

fn quadrants_chart(points: Vec<Point>) -> Chart {
    Chart::new(
        "chart-matrix",
        "Value-irritant matrix: 1,452 tickets, 2026-03-01 to 2026-04-01",
        "Eight contact reasons by value to the customer and to the business.",
        ChartKind::Quadrants(Quadrants {
            names: ["Simplify", "Leverage", "Eliminate", "Automate"].map(str::to_owned),
            x_axis: "irritating to the customer ← value to the customer → valuable to the customer"
                .to_owned(),
            y_axis: "irritating to the business ← value to the business → valuable to the business"
                .to_owned(),
            points,
        }),
    )
}

fn tiers_chart(at: u8, caption: &str) -> Chart {
    Chart::new(
        "chart-maturity",
        "CX maturity",
        "The organisation holds 5 of 7 traits.",
        ChartKind::Tiers(Tiers {
            bands: vec![
                Band { name: "Beginner".into(), from: 0, to: 2 },
                Band { name: "Emerging".into(), from: 3, to: 5 },
                Band { name: "Advanced".into(), from: 6, to: 6 },
                Band { name: "Experience-led".into(), from: 7, to: 7 },
            ],
            steps: 7,
            at,
            caption: caption.to_owned(),
            footer: "ESG 2021 tiers by traits held: seven traits of experience-led businesses, counted from the desk's own data".to_owned(),
        }),
    )
}

/// Specs of every kind with the hard cases: long labels, 31 days, CJK,
/// close references and markers, empty data, NaN and infinities.
fn cases() -> Vec<(&'static str, Chart)> {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let wave = |k: f64| -> Vec<Option<f64>> {
        (0..31)
            .map(|i| Some(3600.0 * (2.0 + k * (f64::from(i) * 0.7).sin().abs() * 3.0)))
            .collect()
    };
    let mut gappy = wave(2.0);
    gappy[5] = None;
    gappy[6] = Some(nan);
    gappy[12] = Some(inf);
    gappy[20] = None;
    let long = "first reply on urgent tickets sent through the web form by enterprise customers";
    vec![
        (
            "lines-duration",
            lines_chart(
                days(),
                Scale::Duration,
                vec![
                    series("median", wave(1.0), false),
                    series("p90", gappy, true),
                ],
                vec![
                    reference("target 4h", 14_400.0),
                    reference("last month 4h 10m", 15_000.0),
                ],
            ),
        ),
        (
            "lines-cjk",
            lines_chart(
                (1..=31).map(|d| format!("3月{d}日")).collect(),
                Scale::Count,
                vec![
                    series(
                        "首次回复",
                        (0..31).map(|i| Some(f64::from(i * 137))).collect(),
                        false,
                    ),
                    series(
                        "已解决的工单",
                        (0..31).map(|i| Some(f64::from(i * 90))).collect(),
                        true,
                    ),
                    series(
                        long,
                        (0..31).map(|i| Some(f64::from(i * 40))).collect(),
                        false,
                    ),
                    series("reopened", vec![None; 31], false),
                ],
                vec![
                    reference("目标", 2000.0),
                    reference("平均", 2050.0),
                    reference("last year", 2100.0),
                ],
            ),
        ),
        (
            "lines-share",
            lines_chart(
                (1..=12).map(|w| format!("W{w}")).collect(),
                Scale::Share,
                vec![series(
                    "FCR",
                    (0..12).map(|i| Some(0.6 + 0.02 * f64::from(i))).collect(),
                    false,
                )],
                vec![reference("target 80%", 0.8), reference("NaN", nan)],
            ),
        ),
        (
            "lines-score",
            lines_chart(
                vec!["Jan".into(), "Feb".into(), "Mar".into()],
                Scale::Score { min: 1.0, max: 5.0 },
                vec![series("CSAT", vec![Some(4.1), None, Some(3.2)], false)],
                vec![],
            ),
        ),
        (
            "lines-empty",
            lines_chart(vec![], Scale::Count, vec![], vec![]),
        ),
        (
            "bars",
            bars_chart(
                vec![
                    bar(
                        "email",
                        Some(0.866),
                        "86.6% (499 of 576)",
                        Emphasis::Normal,
                        None,
                    ),
                    bar(
                        "WhatsApp",
                        Some(1.0),
                        "100.0% (4 of 4), more than all channels",
                        Emphasis::Worse,
                        None,
                    ),
                    bar(
                        "web form",
                        Some(0.12),
                        "12.0% (12 of 100)",
                        Emphasis::Better,
                        None,
                    ),
                    bar(
                        "phone",
                        Some(0.5),
                        "50.0% (1 of 2), too few to judge",
                        Emphasis::SmallSample,
                        None,
                    ),
                    bar(long, Some(0.3), "30.0% (3 of 10)", Emphasis::Normal, None),
                    bar("chat", None, "no answers", Emphasis::Normal, None),
                    bar("not a number", Some(nan), "-", Emphasis::Normal, None),
                    bar("unbounded", Some(inf), "-", Emphasis::Normal, None),
                ],
                Some(reference("all channels 41.2%", 0.412)),
            ),
        ),
        (
            "bars-groups-cjk",
            Chart::new(
                "chart-first-response-groups",
                "首次回复 by priority and channel",
                "Urgent tickets wait longest on email.",
                ChartKind::Bars(Bars {
                    scale: Scale::Duration,
                    bars: vec![
                        bar(
                            "电子邮件",
                            Some(7200.0),
                            "2h (120 tickets)",
                            Emphasis::Normal,
                            Some("urgent"),
                        ),
                        bar(
                            "首次回复 · 紧急",
                            Some(30_000.0),
                            "8h 20m (40 tickets), beyond the 4h target",
                            Emphasis::Worse,
                            Some("urgent"),
                        ),
                        bar(
                            "chat",
                            Some(600.0),
                            "10m (3 tickets)",
                            Emphasis::SmallSample,
                            Some("normal priority, business hours only, excluding weekends"),
                        ),
                        bar(
                            "email",
                            Some(90_000.0),
                            "1d 1h (1,200 tickets)",
                            Emphasis::Normal,
                            Some("normal priority, business hours only, excluding weekends"),
                        ),
                    ],
                    reference: Some(reference("target 4h", 14_400.0)),
                    empty: "none".into(),
                }),
            ),
        ),
        ("bars-empty", bars_chart(vec![], None)),
        (
            "columns",
            columns_chart(
                Scale::Count,
                [
                    "<15m", "15m-30m", "30m-1h", "1h-2h", "2h-4h", "4h-8h", "8h-1d", "1d-2d", "2d+",
                ]
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let v = [120.0, 340.0, 1210.0, 800.0, 410.0, 90.0, 12.0, 3.0, 1.0][i];
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let n = v as u64;
                    column(
                        l,
                        Some(v),
                        n,
                        if i >= 5 {
                            Emphasis::Worse
                        } else {
                            Emphasis::Normal
                        },
                    )
                })
                .collect(),
                vec![
                    marker("target 4h", 5.0),
                    marker("median 45m", 2.5),
                    marker("p90 4h 10m", 5.05),
                    marker("NaN", nan),
                ],
            ),
        ),
        (
            "columns-csat",
            columns_chart(
                Scale::Score { min: 1.0, max: 5.0 },
                vec![
                    column("under 1h", Some(4.6), 310, Emphasis::Better),
                    column("1h-4h", Some(4.1), 220, Emphasis::Normal),
                    column("4h-1d", Some(3.2), 80, Emphasis::Worse),
                    column("over 1d", Some(2.5), 4, Emphasis::SmallSample),
                    column("no reply", None, 0, Emphasis::Normal),
                ],
                vec![marker("speed threshold", 2.0)],
            ),
        ),
        (
            "columns-many",
            columns_chart(
                Scale::Count,
                (0..40)
                    .map(|i| {
                        column(
                            &format!("{}h-{}h 首次", i, i + 1),
                            Some(f64::from(i * 7 % 23)),
                            5,
                            Emphasis::Normal,
                        )
                    })
                    .chain([column("unbounded", Some(inf), 1, Emphasis::Normal)])
                    .collect(),
                vec![
                    marker("a", 10.0),
                    marker("b", 10.2),
                    marker("c", 10.4),
                    marker("the end of the line", 41.0),
                ],
            ),
        ),
        ("columns-empty", columns_chart(Scale::Count, vec![], vec![])),
        (
            "quadrants",
            quadrants_chart(vec![
                point(
                    "Where is my order? (437)",
                    1.0,
                    -1.0,
                    437,
                    Quadrant::BottomRight,
                ),
                point("shipping/late (200)", 1.0, -1.0, 200, Quadrant::BottomRight),
                point(
                    "shipping/damaged (150)",
                    -2.0,
                    -2.0,
                    150,
                    Quadrant::BottomLeft,
                ),
                point("订单状态 (90)", -2.0, -2.0, 90, Quadrant::BottomLeft),
                point(
                    "upgrade to the enterprise plan with single sign-on (40)",
                    1.5,
                    1.5,
                    40,
                    Quadrant::TopRight,
                ),
                point("password reset (300)", -1.0, 1.0, 300, Quadrant::TopLeft),
                point("invoice copy (20)", -1.0, 1.0, 20, Quadrant::TopLeft),
                point("not a number (5)", nan, inf, 5, Quadrant::TopLeft),
            ]),
        ),
        ("quadrants-empty", quadrants_chart(vec![])),
        ("tiers", tiers_chart(5, "Emerging: 5 of 7 traits")),
        (
            "tiers-right",
            tiers_chart(7, "Experience-led: 7 of 7 traits, all of them held"),
        ),
        ("tiers-left", tiers_chart(0, "起步: 0 of 7 traits")),
    ]
}

#[test]
fn every_case_is_well_formed_and_laid_out_at_both_widths() {
    for (name, chart) in cases() {
        for width in [640.0, 310.0] {
            let svg = svg(&chart, width);
            check(&svg).unwrap_or_else(|e| panic!("{name} at {width}: {e}\n{svg}"));
            assert!(svg.starts_with(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{}\" class=\"chart\" width=\"{width}\"",
                chart.id
            )));
            let id = &chart.id;
            assert!(svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")));
            assert!(svg.contains(&format!("<title id=\"{id}-title\">")));
            assert!(svg.contains(&format!("<desc id=\"{id}-desc\">")));
            assert!(!svg.contains("<script") && !svg.contains("style=") && !svg.contains("href"));
        }
        let doc = to_svg_document(&chart);
        check(&doc).unwrap_or_else(|e| panic!("{name} document: {e}"));
        assert!(
            doc.contains(r##"<rect width="640" height=""##)
                && doc.contains(r##"" fill="#ffffff"/>"##)
        );
    }
}

#[test]
fn text_is_escaped_and_ids_prefix_the_hatch() {
    let mut chart = bars_chart(
        vec![bar(
            "</text><script>alert(1)</script>",
            Some(0.2),
            "a & b",
            Emphasis::SmallSample,
            None,
        )],
        None,
    );
    chart.title = "<b>\"x\" & 'y'</b>".into();
    let svg = svg(&chart, 640.0);
    check(&svg).unwrap();
    assert!(!svg.contains("<script") && !svg.contains("<b>"));
    assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"));
    assert!(svg.contains(r#"<pattern id="chart-bars-hatch""#));
    assert!(svg.contains(r##"fill="url(#chart-bars-hatch)""##));
    let other = bars_chart(chart_bars_small(), None);
    let mut other = other;
    other.id = "chart-other".into();
    assert!(super::svg(&other, 640.0).contains(r#"<pattern id="chart-other-hatch""#));
}

fn chart_bars_small() -> Vec<Bar> {
    vec![bar(
        "phone",
        Some(0.5),
        "too few",
        Emphasis::SmallSample,
        None,
    )]
}

#[test]
fn each_kind_draws_what_it_says() {
    let all = cases();
    let get = |n: &str| {
        all.iter()
            .find(|(name, _)| *name == n)
            .map(|(_, c)| svg(c, 640.0))
            .unwrap()
    };
    // Lines: a gap splits the p90 into three polylines; dashed; references
    // dashed; duration ticks.
    let l = get("lines-duration");
    assert_eq!(l.matches("<polyline").count(), 1 + 4);
    assert!(l.contains(r#"stroke-dasharray="6 3""#));
    assert!(l.contains(">target 4h</text>") && l.contains(">last month 4h 10m</text>"));
    assert!(l.contains(">4h</text>") || l.contains(">8h</text>"));
    assert!(l.contains(">Mar 1</text>"));
    // Bars: emphasis colours, reference, white text inside only on blue.
    let b = get("bars");
    for colour in ["#D55E00", "#009E73", "#0072B2"] {
        assert!(b.contains(&format!("fill=\"{colour}\"")), "{colour}");
    }
    assert!(b.contains(">all channels 41.2%</text>"));
    assert!(b.contains(">86.6% (499 of 576)</text>"));
    assert_eq!(
        get("bars-empty")
            .matches(">no tickets in the period</text>")
            .count(),
        1
    );
    let g = get("bars-groups-cjk");
    assert!(g.contains(r#"font-weight="bold""#) && g.contains(">urgent</text>"));
    // Columns: values, n under the label of the CSAT columns, markers.
    let c = get("columns");
    assert!(c.contains(">1,210</text>") && c.contains(">target 4h</text>"));
    let s = get("columns-csat");
    assert!(s.contains(">n=310</text>") && s.contains(">4.60</text>"));
    // Quadrants: one circle per point with its tooltip, names.
    let q = get("quadrants");
    assert_eq!(q.matches("<circle").count(), 8);
    assert!(q.contains("<title>订单状态 (90): 90 tickets</title>"));
    for n in ["Simplify", "Leverage", "Eliminate", "Automate"] {
        assert!(q.contains(&format!(">{n}</text>")));
    }
    // Tiers: names, the caption, the footer.
    let t = get("tiers-right");
    assert!(t.contains(">Emerging</text>") && t.contains("<polygon"));
}

#[test]
fn band_text_contrasts_with_its_block() {
    for fill in [
        "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#D55E00", "#F0E442",
    ] {
        assert!(contrast(text_on(fill), fill) >= 4.5, "{fill}");
    }
    for ink in ["#1f2933", "#52606d"] {
        assert!(contrast(ink, "#ffffff") >= 4.5, "{ink}");
    }
    // White text inside blue bars.
    assert!(contrast("#ffffff", "#0072B2") >= 4.5);
}

#[test]
fn ticks_are_nice_and_formatted_per_scale() {
    use super::text::axis;
    let labels = |a: super::text::Axis| a.ticks.into_iter().map(|(_, l)| l).collect::<Vec<_>>();
    assert_eq!(
        labels(axis(Scale::Count, 0.0, 12_345.0, 5)),
        ["0", "5,000", "10,000", "15,000"]
    );
    assert_eq!(
        labels(axis(Scale::Duration, 0.0, 15_000.0, 5)),
        ["0", "2h", "4h", "6h"]
    );
    assert_eq!(
        labels(axis(Scale::Duration, 0.0, 200_000.0, 5)),
        ["0", "1d", "2d", "3d"]
    );
    assert_eq!(
        labels(axis(Scale::Duration, 0.0, 2000.0, 5)),
        ["0", "15m", "30m", "45m"]
    );
    assert_eq!(
        labels(axis(Scale::Share, 0.0, 0.866, 5)),
        ["0%", "25%", "50%", "75%", "100%"]
    );
    assert_eq!(
        labels(axis(Scale::Score { min: 1.0, max: 5.0 }, 3.0, 4.0, 5)),
        ["1", "2", "3", "4", "5"]
    );
    assert_eq!(
        labels(axis(Scale::Score { min: 1.0, max: 7.0 }, 3.0, 4.0, 5)),
        ["1", "3", "5", "7"]
    );
    for scale in [
        Scale::Count,
        Scale::Duration,
        Scale::Share,
        Scale::Score { min: 1.0, max: 5.0 },
    ] {
        for hi in [0.0, 0.001, 1.0, 3.7, 99.0, 12_345.0, 1e9, 1e15] {
            let a = axis(scale, 0.0, hi, 5);
            assert!(
                (2..=6).contains(&a.ticks.len()),
                "{scale:?} {hi}: {:?}",
                a.ticks
            );
            assert!(a.lo <= 0.0_f64.max(a.lo) && a.hi >= hi.min(a.hi) && a.hi > a.lo);
        }
    }
}

#[test]
fn data_tables_have_a_row_per_mark() {
    for (name, chart) in cases() {
        let t = data_table(&chart);
        let rows = match &chart.kind {
            ChartKind::Lines(l) => l.x.len(),
            ChartKind::Bars(b) => b.bars.len(),
            ChartKind::Columns(c) => c.columns.len(),
            ChartKind::Quadrants(q) => q.points.len(),
            ChartKind::Tiers(t) => t.bands.len() + 1,
        };
        assert_eq!(t.rows.len(), rows, "{name}");
        for r in &t.rows {
            assert_eq!(r.len(), t.head.len(), "{name}");
            for c in r {
                assert!(
                    !c.text.contains("NaN") && !c.text.contains("inf"),
                    "{name}: {}",
                    c.text
                );
            }
        }
    }
    let all = cases();
    let l = data_table(&all[0].1);
    assert_eq!(l.head, ["", "median", "p90"]);
    assert_eq!(l.rows[0][1].text, "2h");
    assert_eq!(l.rows[5][2].text, "-");
    assert_eq!(l.caption.as_deref(), Some("target 4h; last month 4h 10m"));
}

/// Writes every case at both widths into the directory named by
/// `CHART_SAMPLES` (for looking at them): `cargo test --lib
/// report::chart::tests::write_samples -- --ignored`.
#[test]
#[ignore = "writes files; run by hand with CHART_SAMPLES=dir"]
fn write_samples() {
    let Some(dir) = std::env::var_os("CHART_SAMPLES") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, chart) in cases() {
        for width in [640.0, 310.0] {
            let mut c = chart.clone();
            c.id = format!("{name}-{width}");
            let body = draw::draw(&c, width, true);
            std::fs::write(dir.join(format!("{name}-{width}.svg")), body).unwrap();
        }
    }
}

fn text_strategy() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 <>&\"'·…%()首次回复订单状态é-]{0,60}"
}

fn value_strategy() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        Just(Some(f64::NAN)),
        Just(Some(f64::INFINITY)),
        Just(Some(f64::NEG_INFINITY)),
        (0.0..1e7f64).prop_map(Some),
        (0.0..1.0f64).prop_map(Some),
        any::<f64>().prop_map(Some),
    ]
}

fn scale_strategy() -> impl Strategy<Value = Scale> {
    prop_oneof![
        Just(Scale::Count),
        Just(Scale::Duration),
        Just(Scale::Share),
        Just(Scale::Score { min: 1.0, max: 5.0 }),
        Just(Scale::Score { min: 1.0, max: 7.0 }),
    ]
}

fn emphasis_strategy() -> impl Strategy<Value = Emphasis> {
    prop_oneof![
        Just(Emphasis::Normal),
        Just(Emphasis::Worse),
        Just(Emphasis::Better),
        Just(Emphasis::SmallSample),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bars_lay_out(
        scale in scale_strategy(),
        bars in prop::collection::vec(
            (text_strategy(), value_strategy(), text_strategy(), emphasis_strategy(), prop::option::of("[a-z 订单]{1,40}")),
            0..14,
        ),
        reference in prop::option::of((text_strategy(), value_strategy())),
        title in text_strategy(),
        width in prop_oneof![Just(640.0), Just(310.0), 200.0..900.0f64],
    ) {
        let chart = Chart::new("p", title, "s", ChartKind::Bars(Bars {
            scale,
            bars: bars.into_iter().map(|(label, value, text, emphasis, group)| Bar { label, value, text, n: 3, emphasis, group }).collect(),
            reference: reference.map(|(label, v)| Reference { label, value: v.unwrap_or(0.5) }),
            empty: "nothing".into(),
        }));
        let svg = svg(&chart, width);
        prop_assert!(check(&svg).is_ok(), "{:?}\n{}", check(&svg), svg);
        prop_assert_eq!(data_table(&chart).rows.len(), match &chart.kind { ChartKind::Bars(b) => b.bars.len(), _ => 0 });
    }

    #[test]
    fn random_lines_lay_out(
        scale in scale_strategy(),
        x in prop::collection::vec(text_strategy(), 0..40),
        series in prop::collection::vec((text_strategy(), prop::collection::vec(value_strategy(), 0..40), any::<bool>()), 0..5),
        references in prop::collection::vec((text_strategy(), value_strategy()), 0..4),
        width in prop_oneof![Just(640.0), Just(310.0), 200.0..900.0f64],
    ) {
        let chart = Chart::new("p", "Trend", "s", ChartKind::Lines(Lines {
            x,
            scale,
            series: series.into_iter().map(|(name, values, dashed)| Series { name, values, dashed }).collect(),
            references: references.into_iter().map(|(label, v)| Reference { label, value: v.unwrap_or(f64::NAN) }).collect(),
        }));
        let svg = svg(&chart, width);
        prop_assert!(check(&svg).is_ok(), "{:?}\n{}", check(&svg), svg);
        prop_assert_eq!(data_table(&chart).rows.len(), match &chart.kind { ChartKind::Lines(l) => l.x.len(), _ => 0 });
    }
}

#[test]
fn the_checker_catches_overlaps_and_bad_markup() {
    let ok = r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50"><text x="10" y="20" font-size="10">a</text></svg>"#;
    assert!(check(ok).is_ok());
    let twice = ok.replace(
        "</svg>",
        r#"<text x="11" y="21" font-size="10">b</text></svg>"#,
    );
    assert!(check(&twice).is_err());
    let outside = ok.replace(r#"x="10""#, r#"x="99""#);
    assert!(check(&outside).is_err());
    assert!(check(&ok.replace("</svg>", "<g></svg>")).is_err());
    assert!(check(&ok.replace(r#"x="10""#, r#"x="NaN""#)).is_err());
    assert!(check(&ok.replace(">a<", ">a & b<")).is_err());
}
