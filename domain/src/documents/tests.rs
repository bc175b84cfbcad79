//! The documents are checked as a reader sees them: qpdf must find the file sound, and
//! poppler's pdftotext / pdfinfo must read back the text, the page count and where each word
//! sits. Both are Debian packages (qpdf, poppler-utils); a test that needs them fails, with
//! what to install, when they are missing.

use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::Command;

use super::*;

const INSTALL: &str = "install qpdf and poppler-utils \
    (apt-get install -y --no-install-recommends qpdf poppler-utils)";

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a real date")
}

// --- Samples ---------------------------------------------------------------------------------

fn sample_certificate() -> CertificateDoc {
    CertificateDoc {
        number: "COI-000042-7".into(),
        issued_on: day(2026, 12, 1),
        insurer: "Harborline Mutual Insurance Company".into(),
        insured_name: "Jamie Rivera".into(),
        insured_email: "jamie.rivera@example.com".into(),
        insured_state: Some("CA".into()),
        holder_name: "Acme Creative Agency LLC".into(),
        campaign: "Winter Launch 2026".into(),
        policies: vec![
            CertificatePolicy {
                number: "GL-ACME-000042".into(),
                coverage: "General liability".into(),
                limits: vec![
                    ("Each occurrence".into(), "$1,000,000".into()),
                    ("General aggregate".into(), "$2,000,000".into()),
                ],
                starts_on: day(2026, 12, 1),
                ends_on: day(2026, 12, 31),
                status: "Active".into(),
            },
            CertificatePolicy {
                number: "WC-ACME-000042".into(),
                coverage: "Workers' compensation".into(),
                limits: vec![
                    ("Workers' compensation".into(), "Statutory".into()),
                    (
                        "Employer's liability, each accident".into(),
                        "$1,000,000".into(),
                    ),
                ],
                starts_on: day(2026, 12, 15),
                ends_on: day(2027, 1, 14),
                status: "Scheduled".into(),
            },
        ],
        notice: Some("Priced with example rates".into()),
    }
}

fn line(creator: &str, campaign: &str, coverage: &str, premium: i64, fee: i64) -> InvoiceLineDoc {
    InvoiceLineDoc {
        creator: creator.into(),
        campaign: campaign.into(),
        coverage: coverage.into(),
        premium_cents: premium,
        fee_cents: fee,
    }
}

fn sample_invoice() -> InvoiceDoc {
    InvoiceDoc {
        number: "INV-2026-12-0007".into(),
        issued_on: day(2026, 12, 31),
        period: "December 2026".into(),
        po_number: Some("4500012345".into()),
        bill_to_name: "Dana Whitfield".into(),
        bill_to_email: "ap@acme-creative.example".into(),
        organization: "Acme Creative Agency LLC".into(),
        insurer: "Harborline Mutual Insurance Company".into(),
        status: "Open".into(),
        lines: vec![
            line(
                "Jamie Rivera",
                "Winter Launch 2026",
                "General liability",
                4500,
                1350,
            ),
            line(
                "Priya Natarajan",
                "Winter Launch 2026",
                "General liability, Workers' comp",
                7500,
                2250,
            ),
            line(
                "Marcus Oyelaran",
                "Holiday Unboxing",
                "Platform fee",
                120,
                36,
            ),
        ],
        notice: Some("Priced with example rates".into()),
    }
}

fn many_lines(count: usize) -> Vec<InvoiceLineDoc> {
    (1..=count)
        .map(|i| {
            line(
                &format!("Influencer {i:03}"),
                "Spring Drop",
                "General liability",
                1000 + i as i64,
                100,
            )
        })
        .collect()
}

// --- The tools -------------------------------------------------------------------------------

/// Runs a qpdf / poppler tool, failing the test with what to install when it is missing.
fn run(program: &str, args: &[&str]) -> std::process::Output {
    match Command::new(program).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            panic!("`{program}` is not installed: {INSTALL}")
        }
        Err(e) => panic!("cannot run `{program}`: {e}"),
    }
}

fn stdout_of(program: &str, args: &[&str]) -> String {
    let output = run(program, args);
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// A PDF in a temporary file, deleted when dropped.
struct PdfFile(tempfile::NamedTempFile);

impl PdfFile {
    fn new(bytes: &[u8]) -> PdfFile {
        let mut file = tempfile::Builder::new()
            .suffix(".pdf")
            .tempfile()
            .expect("a temp file");
        file.write_all(bytes).expect("the PDF written");
        file.flush().expect("the PDF flushed");
        PdfFile(file)
    }

    fn path(&self) -> &str {
        self.0.path().to_str().expect("a UTF-8 temp path")
    }

    /// qpdf finds no error and says no warning.
    fn assert_sound(&self) {
        let output = run("qpdf", &["--check", self.path()]);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.code(), Some(0), "qpdf --check: {said}");
        assert!(
            !said.to_lowercase().contains("warning"),
            "qpdf --check: {said}"
        );
        assert!(
            said.contains("No syntax or stream encoding errors"),
            "qpdf --check: {said}"
        );
    }

    /// The text of every page as `pdftotext -layout` lays it out.
    fn text(&self) -> String {
        stdout_of("pdftotext", &["-layout", self.path(), "-"])
    }

    fn page_text(&self, page: usize) -> String {
        let page = page.to_string();
        stdout_of(
            "pdftotext",
            &["-layout", "-f", &page, "-l", &page, self.path(), "-"],
        )
    }

    /// A field of `pdfinfo`, e.g. "Pages".
    fn info(&self, field: &str) -> String {
        let info = stdout_of("pdfinfo", &[self.path()]);
        let prefix = format!("{field}:");
        info.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {field} in pdfinfo's output: {info}"))
    }

    fn pages(&self) -> usize {
        self.info("Pages").parse().expect("a page count")
    }

    /// Every word of a page with its box (points, from the page's top left).
    fn words(&self, page: usize) -> Vec<Word> {
        let page = page.to_string();
        let html = stdout_of(
            "pdftotext",
            &["-bbox", "-f", &page, "-l", &page, self.path(), "-"],
        );
        html.lines().filter_map(Word::parse).collect()
    }
}

#[derive(Debug, Clone)]
struct Word {
    x_min: f32,
    x_max: f32,
    y_min: f32,
    text: String,
}

impl Word {
    /// `<word xMin="54.000000" yMin="…" xMax="…" yMax="…">text</word>`
    fn parse(line: &str) -> Option<Word> {
        let line = line.trim();
        let rest = line.strip_prefix("<word ")?;
        let attribute = |name: &str| -> f32 {
            let start = rest.find(&format!("{name}=\"")).expect("the attribute") + name.len() + 2;
            let end = start + rest[start..].find('"').expect("a closing quote");
            rest[start..end].parse().expect("a number")
        };
        let open = rest.find('>')?;
        let close = rest.rfind("</word>")?;
        let text = rest[open + 1..close]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        Some(Word {
            x_min: attribute("xMin"),
            x_max: attribute("xMax"),
            y_min: attribute("yMin"),
            text,
        })
    }
}

/// Runs of whitespace as one space: a wrapped sentence back on one line.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// --- Pure helpers ----------------------------------------------------------------------------

#[test]
fn money_formats_cents_as_dollars() {
    assert_eq!(money(0), "$0.00");
    assert_eq!(money(5), "$0.05");
    assert_eq!(money(100), "$1.00");
    assert_eq!(money(123_456), "$1,234.56");
    assert_eq!(money(-100), "-$1.00");
    assert_eq!(money(100_000_000_000), "$1,000,000,000.00");
    assert_eq!(money(i64::MIN), "-$92,233,720,368,547,758.08");
}

#[test]
fn win_ansi_keeps_windows_1252_and_replaces_the_rest() {
    assert_eq!(win_ansi("Acme (US) 100%"), b"Acme (US) 100%".to_vec());
    assert_eq!(
        win_ansi("Zoë Ñ ß ÿ \u{A0}"),
        vec![b'Z', b'o', 0xEB, b' ', 0xD1, b' ', 0xDF, b' ', 0xFF, b' ', 0xA0]
    );
    let extras = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
    let codes: Vec<u8> = (0x80..=0x9F)
        .filter(|c| ![0x81, 0x8D, 0x8F, 0x90, 0x9D].contains(c))
        .collect();
    assert_eq!(win_ansi(extras), codes);
    // Not in Windows-1252: CJK, emoji, the C1 controls, other scripts.
    assert_eq!(win_ansi("王小明 🙂 \u{81} Ω ő"), b"??? ? ? ? ?".to_vec());
    assert_eq!(win_ansi("a\tb\nc"), b"a b c".to_vec());
}

#[test]
fn widths_are_helveticas() {
    // Adobe's metrics: H 722, e 556, l 222 (bold 278), o 556 (bold 611).
    assert!((regular(10.0).width("Hello") - 22.78).abs() < 0.001);
    assert!((bold(10.0).width("Hello") - 24.45).abs() < 0.001);
    assert!((regular(1000.0).width("…") - 1000.0).abs() < 0.001);
    assert!((regular(1000.0).width("é") - 556.0).abs() < 0.001);
    // What is printed as "?" is measured as "?".
    assert_eq!(regular(12.0).width("王"), regular(12.0).width("?"));
}

/// Each Windows-1252 character once, in a grid, with the fonts as a reader knows them (no
/// widths in the file), one page a font: poppler's own Helvetica metrics measure the glyphs.
fn glyph_grid() -> Vec<u8> {
    let mut pdf = Pdf::new();
    pdf.catalog(Ref::new(1)).pages(Ref::new(2));
    pdf.pages(Ref::new(2))
        .kids([Ref::new(10), Ref::new(20)])
        .count(2);
    for (page, font, base) in [(10, 3, "Helvetica"), (20, 4, "Helvetica-Bold")] {
        pdf.type1_font(Ref::new(font))
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        let mut content = Content::new();
        for code in 0x21..=0xFFu8 {
            let (row, column) = (f32::from(code / 16), f32::from(code % 16));
            content
                .begin_text()
                .set_font(Name(b"F"), 20.0)
                .next_line(40.0 + 34.0 * column, 760.0 - 44.0 * row)
                .show(Str(&[code]))
                .end_text();
        }
        pdf.page(Ref::new(page))
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(Ref::new(2))
            .contents(Ref::new(page + 1))
            .resources()
            .fonts()
            .pair(Name(b"F"), Ref::new(font));
        pdf.stream(Ref::new(page + 1), &content.finish());
    }
    pdf.finish()
}

#[test]
fn width_tables_match_poppler_metrics() {
    let pdf = PdfFile::new(&glyph_grid());
    pdf.assert_sound();
    for (page, font) in [(1, Font::Regular), (2, Font::Bold)] {
        let words = pdf.words(page);
        let mut checked = 0;
        for code in 0x21..=0xFFu8 {
            let (row, column) = (f32::from(code / 16), f32::from(code % 16));
            let (x, top) = (40.0 + 34.0 * column, PAGE_HEIGHT - (760.0 - 44.0 * row));
            // Unassigned codes and the soft hyphen print nothing a reader calls a word.
            let Some(word) = words
                .iter()
                .find(|w| (w.x_min - x).abs() < 0.5 && w.y_min < top && w.y_min > top - 30.0)
            else {
                continue;
            };
            let expected = f32::from(font.widths()[usize::from(code)]) * 20.0 / 1000.0;
            let measured = word.x_max - word.x_min;
            assert!(
                (measured - expected).abs() < 0.05,
                "{font:?} 0x{code:02X} {:?}: poppler {measured}, table {expected}",
                word.text
            );
            checked += 1;
        }
        assert!(checked >= 215, "{font:?}: only {checked} glyphs found");
    }
}

#[test]
fn truncate_and_wrap_fit_their_width() {
    let face = regular(9.0);
    assert_eq!(face.truncate("Short", 100.0), "Short");
    let cut = face.truncate("A campaign name far too long for its column", 80.0);
    assert!(cut.ends_with('…'), "{cut}");
    assert!(face.width(&cut) <= 80.0, "{cut}");
    assert!("A campaign name far too long for its column".starts_with(cut.trim_end_matches('…')));
    // No space left before the ellipsis.
    assert!(!cut.trim_end_matches('…').ends_with(' '), "{cut:?}");

    let lines = face.wrap("one two three four five six seven eight nine ten", 60.0, 10);
    assert!(lines.len() > 1);
    assert!(lines.iter().all(|l| face.width(l) <= 60.0), "{lines:?}");
    assert_eq!(
        lines.join(" "),
        "one two three four five six seven eight nine ten"
    );

    let lines = face.wrap("one two three four five six seven eight nine ten", 60.0, 2);
    assert_eq!(lines.len(), 2);
    assert!(lines[1].ends_with('…'), "{lines:?}");

    let lines = face.wrap(&"x".repeat(100), 60.0, 5);
    assert!(lines.iter().all(|l| face.width(l) <= 60.0), "{lines:?}");
    assert_eq!(face.wrap("", 60.0, 2), vec![String::new()]);

    // A word broken between characters is cut without a space before the ellipsis.
    let lines = face.wrap(&"x".repeat(100), 60.0, 2);
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].ends_with("x…") && !lines[1].contains(' '),
        "{lines:?}"
    );

    // Identifiers break after a hyphen, whole.
    let number = "GL-VERYLONGCLIENT-00000001";
    let lines = bold(9.0).wrap_ident(number, 88.0, 3);
    assert_eq!(lines, ["GL-", "VERYLONGCLIENT-", "00000001"]);
    assert_eq!(
        bold(9.0).wrap_ident("GL-ACME-000042", 88.0, 3),
        ["GL-ACME-000042"]
    );
}

#[test]
fn windows_read_as_dates() {
    assert_eq!(
        window(day(2026, 12, 1), day(2026, 12, 31)),
        "Dec 1, 2026 – Dec 31, 2026"
    );
}

// --- Certificates ----------------------------------------------------------------------------

#[test]
fn certificate_is_sound_and_shows_every_field() {
    let pdf = PdfFile::new(&certificate_pdf(&sample_certificate()));
    pdf.assert_sound();
    assert_eq!(pdf.pages(), 1);
    assert_eq!(pdf.info("Title"), "Certificate of insurance COI-000042-7");
    assert_eq!(pdf.info("Producer"), "CreatorIQ cover dashboard");

    let text = pdf.text();
    for expected in [
        "Certificate of insurance",
        "COI-000042-7",
        "Dec 1, 2026",
        "Harborline Mutual Insurance Company",
        "Jamie Rivera",
        "jamie.rivera@example.com",
        "Work state: CA",
        "Acme Creative Agency LLC",
        "Winter Launch 2026",
        "GL-ACME-000042",
        "WC-ACME-000042",
        "General liability",
        "Workers' compensation",
        "Dec 1, 2026 – Dec 31, 2026",
        "Dec 15, 2026 – Jan 14, 2027",
        "Active",
        "Scheduled",
        "Priced with example rates",
        "Page 1 of 1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Each limit's label and amount on one line.
    for (label, amount) in [
        ("Each occurrence", "$1,000,000"),
        ("General aggregate", "$2,000,000"),
        ("Workers' compensation", "Statutory"),
        ("Employer's liability, each accident", "$1,000,000"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(label) && l.contains(amount)),
            "{label} / {amount} not on one line:\n{text}"
        );
    }
    assert!(
        squeeze(&text).contains(CERTIFICATE_DISCLAIMER),
        "the disclaimer is missing:\n{text}"
    );
}

#[test]
fn certificate_without_notice_or_state_leaves_them_out() {
    let doc = CertificateDoc {
        notice: None,
        insured_state: None,
        ..sample_certificate()
    };
    let pdf = PdfFile::new(&certificate_pdf(&doc));
    pdf.assert_sound();
    let text = pdf.text();
    assert!(!text.contains("Priced with example rates"), "{text}");
    assert!(!text.contains("Work state"), "{text}");
    assert!(text.contains("GL-ACME-000042"), "{text}");
}

#[test]
fn accented_names_survive_and_cjk_prints_as_question_marks() {
    let doc = CertificateDoc {
        insured_name: "Zoë Ångström-Núñez".into(),
        holder_name: "王小明 Studios".into(),
        ..sample_certificate()
    };
    let pdf = PdfFile::new(&certificate_pdf(&doc));
    pdf.assert_sound();
    let text = pdf.text();
    assert!(text.contains("Zoë Ångström-Núñez"), "{text}");
    assert!(text.contains("??? Studios"), "{text}");
    assert!(
        text.contains("GL-ACME-000042"),
        "the rest of the file still reads:\n{text}"
    );

    let invoice = InvoiceDoc {
        lines: vec![line(
            "Zoë Ångström-Núñez",
            "Été 2026",
            "General liability",
            4500,
            0,
        )],
        bill_to_name: "佐藤 Accounts".into(),
        ..sample_invoice()
    };
    let pdf = PdfFile::new(&invoice_pdf(&invoice));
    pdf.assert_sound();
    let text = pdf.text();
    assert!(text.contains("Zoë Ångström-Núñez"), "{text}");
    assert!(text.contains("Été 2026"), "{text}");
    assert!(text.contains("?? Accounts"), "{text}");
}

#[test]
fn many_policies_run_onto_another_page_with_the_header_again() {
    let mut doc = sample_certificate();
    doc.policies = (1..=20)
        .map(|i| CertificatePolicy {
            number: format!("GL-ACME-{i:06}"),
            ..doc.policies[0].clone()
        })
        .collect();
    let pdf = PdfFile::new(&certificate_pdf(&doc));
    pdf.assert_sound();
    let pages = pdf.pages();
    assert!(pages >= 2, "20 policies on {pages} page(s)");
    let mut seen = 0;
    for page in 1..=pages {
        let text = pdf.page_text(page);
        assert!(
            text.contains(&format!("Page {page} of {pages}")),
            "page {page}:\n{text}"
        );
        assert!(
            text.contains("Policy number"),
            "no table header on page {page}:\n{text}"
        );
        seen += (1..=20)
            .filter(|i| text.contains(&format!("GL-ACME-{i:06}")))
            .count();
    }
    assert_eq!(seen, 20, "each policy exactly once");
    let last = pdf.page_text(pages);
    assert!(squeeze(&last).contains(CERTIFICATE_DISCLAIMER), "{last}");
}

// --- Invoices --------------------------------------------------------------------------------

#[test]
fn invoice_is_sound_and_adds_up() {
    let pdf = PdfFile::new(&invoice_pdf(&sample_invoice()));
    pdf.assert_sound();
    assert_eq!(pdf.pages(), 1);
    assert_eq!(pdf.info("Title"), "Invoice INV-2026-12-0007");
    assert_eq!(pdf.info("Producer"), "CreatorIQ cover dashboard");

    let text = pdf.text();
    for expected in [
        "Invoice",
        "INV-2026-12-0007",
        "December 2026",
        "PO # 4500012345",
        "Dec 31, 2026",
        "Dana Whitfield",
        "ap@acme-creative.example",
        "Acme Creative Agency LLC",
        "Harborline Mutual Insurance Company",
        "Jamie Rivera",
        "Priya Natarajan",
        "Marcus Oyelaran",
        "Holiday Unboxing",
        "General liability, Workers' comp",
        "Priced with example rates",
        "Page 1 of 1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Lines: premium and fee on the creator's line.
    for (creator, premium, fee) in [
        ("Jamie Rivera", "$45.00", "$13.50"),
        ("Priya Natarajan", "$75.00", "$22.50"),
        ("Marcus Oyelaran", "$1.20", "$0.36"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(creator) && l.contains(premium) && l.contains(fee)),
            "{creator} {premium} {fee} not on one line:\n{text}"
        );
    }
    // Totals by hand: premium 4500 + 7500 + 120 = 12,120 cents; fees 1350 + 2250 + 36 = 3,636;
    // due 15,756.
    for (label, amount) in [
        ("Premium total", "$121.20"),
        ("Platform fee total", "$36.36"),
        ("Amount due", "$157.56"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(label) && l.contains(amount)),
            "{label} {amount} not on one line:\n{text}"
        );
    }
}

#[test]
fn invoice_without_po_number_prints_no_po_line() {
    let doc = InvoiceDoc {
        po_number: None,
        ..sample_invoice()
    };
    let pdf = PdfFile::new(&invoice_pdf(&doc));
    pdf.assert_sound();
    let text = pdf.text();
    assert!(!text.contains("PO #"), "{text}");
    assert!(text.contains("INV-2026-12-0007"), "{text}");
}

#[test]
fn empty_invoice_is_still_a_document() {
    let doc = InvoiceDoc {
        lines: Vec::new(),
        notice: None,
        ..sample_invoice()
    };
    let pdf = PdfFile::new(&invoice_pdf(&doc));
    pdf.assert_sound();
    let text = pdf.text();
    assert!(
        text.lines()
            .any(|l| l.contains("Amount due") && l.contains("$0.00")),
        "{text}"
    );
}

#[test]
fn void_invoice_carries_a_void_mark() {
    let doc = InvoiceDoc {
        status: "Void".into(),
        ..sample_invoice()
    };
    let pdf = PdfFile::new(&invoice_pdf(&doc));
    pdf.assert_sound();
    let text = pdf.text();
    assert!(text.contains("VOID"), "{text}");
    assert!(text.contains("Amount due"), "{text}");

    let open = PdfFile::new(&invoice_pdf(&sample_invoice())).text();
    assert!(!open.contains("VOID"), "{open}");
}

#[test]
fn long_invoice_runs_over_pages_with_header_footer_and_totals_once() {
    let doc = InvoiceDoc {
        lines: many_lines(250),
        ..sample_invoice()
    };
    let pdf = PdfFile::new(&invoice_pdf(&doc));
    pdf.assert_sound();

    let pages = pdf.pages();
    // 250 lines of 16 pt on pages of about 600 pt of table: six to eight pages.
    assert!((6..=8).contains(&pages), "{pages} pages");
    let first = pdf.page_text(1);
    assert!(first.contains(&format!("Page 1 of {pages}")), "{first}");

    let mut order = Vec::new();
    for page in 1..=pages {
        let text = pdf.page_text(page);
        assert!(
            text.contains(&format!("Page {page} of {pages}")),
            "page {page}:\n{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.contains("Creator") && l.contains("Platform fee")),
            "no table header on page {page}:\n{text}"
        );
        let has_totals = text.contains("Amount due");
        assert_eq!(
            has_totals,
            page == pages,
            "totals on page {page} of {pages}:\n{text}"
        );
        for l in text.lines() {
            if let Some(at) = l.find("Influencer ") {
                order.push(
                    l[at + 11..at + 14]
                        .parse::<usize>()
                        .expect("a creator number"),
                );
            }
        }
    }
    assert_eq!(
        order,
        (1..=250).collect::<Vec<_>>(),
        "every line once, in order"
    );

    let all = pdf.text();
    assert_eq!(all.matches("Amount due").count(), 1, "{all}");
    // Premium 250 × 1000 + (1 + … + 250) = 281,375 cents; fees 250 × 100 = 25,000.
    assert!(
        all.lines()
            .any(|l| l.contains("Premium total") && l.contains("$2,813.75")),
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.contains("Platform fee total") && l.contains("$250.00")),
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.contains("Amount due") && l.contains("$3,063.75")),
        "{all}"
    );
}

#[test]
fn a_long_campaign_name_wraps_in_its_column_then_is_cut_with_an_ellipsis() {
    let long = "The Extraordinarily Long Spring Summer Autumn Winter Ambassador Programme";
    let doc = InvoiceDoc {
        lines: vec![line("Jamie Rivera", long, "General liability", 4500, 1350)],
        ..sample_invoice()
    };
    let pdf = PdfFile::new(&invoice_pdf(&doc));
    pdf.assert_sound();
    let text = pdf.text();
    let row = text
        .lines()
        .find(|l| l.contains("Jamie Rivera"))
        .expect("the line's row");
    assert!(row.contains("The Extraordinarily"), "{row}");
    // It runs on in its column for three lines, the last cut.
    assert!(text.contains("Spring"), "{text}");
    assert!(text.contains('…'), "{text}");
    assert!(!text.contains("Programme"), "{text}");
    assert!(row.contains("$45.00") && row.contains("$13.50"), "{row}");

    let cert = CertificateDoc {
        campaign: long.repeat(3),
        ..sample_certificate()
    };
    let text = PdfFile::new(&certificate_pdf(&cert)).text();
    assert!(text.contains('…'), "{text}");
}

#[test]
fn enormous_text_is_cut_not_laid_out_whole() {
    // Measuring must stay linear: a quadratic cut of these would not finish.
    let huge = "Wolfeschlegelsteinhausen ".repeat(8_000);
    let doc = InvoiceDoc {
        bill_to_name: huge.clone(),
        lines: vec![line(&huge, &huge.replace(' ', ""), &huge, 4500, 1350)],
        notice: Some(huge.clone()),
        ..sample_invoice()
    };
    let bytes = invoice_pdf(&doc);
    assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
    let pdf = PdfFile::new(&bytes);
    pdf.assert_sound();
    let text = pdf.text();
    assert!(
        text.lines()
            .any(|l| l.contains("Amount due") && l.contains("$58.50")),
        "{text}"
    );

    let cert = CertificateDoc {
        insured_name: huge.clone(),
        campaign: huge.replace(' ', ""),
        ..sample_certificate()
    };
    PdfFile::new(&certificate_pdf(&cert)).assert_sound();
}

#[test]
fn table_text_stays_in_its_columns_and_amounts_align() {
    let mut doc = InvoiceDoc {
        lines: many_lines(6),
        ..sample_invoice()
    };
    doc.lines[0].creator = "Maximiliana Wolfeschlegelsteinhausen-Bergerdorff".into();
    doc.lines[1].campaign = "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW".into();
    doc.lines[2].coverage = "General liability, Workers' comp, Umbrella".into();
    doc.lines[3].premium_cents = 123_456_789;
    doc.lines[4].fee_cents = 99_999_999_999;
    let pdf = PdfFile::new(&invoice_pdf(&doc));
    pdf.assert_sound();

    let words = pdf.words(1);
    let header = words
        .iter()
        .find(|w| w.text == "Creator")
        .expect("the table header");
    let totals_top = words
        .iter()
        .filter(|w| w.text == "total")
        .map(|w| w.y_min)
        .fold(f32::MAX, f32::min);
    assert!(totals_top < f32::MAX, "no totals");
    let body: Vec<&Word> = words
        .iter()
        .filter(|w| w.y_min > header.y_min + 5.0 && w.y_min < totals_top - 5.0)
        .collect();
    assert!(body.len() > 30, "{body:?}");

    // pdftotext's boxes run from the top left, but x is the same as the page's.
    let edges = [
        LINE_CAMPAIGN_X,
        LINE_COVERAGE_X,
        LINE_PREMIUM_X,
        LINE_FEE_X,
        RIGHT,
    ];
    for word in &body {
        for edge in edges {
            assert!(
                !(word.x_min < edge - 0.5 && word.x_max > edge + 0.5),
                "{word:?} crosses the column edge at {edge}"
            );
        }
    }
    // Every amount in a money column ends at the same x.
    for right in [LINE_FEE_X - PAD, RIGHT - PAD] {
        let amounts: Vec<&&Word> = body
            .iter()
            .filter(|w| w.text.starts_with('$') && (w.x_max - right).abs() < 20.0)
            .collect();
        assert_eq!(amounts.len(), 6, "{amounts:?}");
        for word in amounts {
            assert!(
                (word.x_max - right).abs() < 0.5,
                "{word:?} does not end at {right}"
            );
        }
    }
}

#[test]
fn documents_are_the_same_bytes_every_time() {
    assert_eq!(
        certificate_pdf(&sample_certificate()),
        certificate_pdf(&sample_certificate())
    );
    let doc = InvoiceDoc {
        lines: many_lines(60),
        ..sample_invoice()
    };
    assert_eq!(invoice_pdf(&doc), invoice_pdf(&doc));
}

/// Writes the sample documents and a PNG of each first page to the temporary directory (or
/// `DOCUMENT_SAMPLES`), for a person to look at:
/// `cargo test -p domain --lib documents::tests::sample_pages -- --ignored`.
#[test]
#[ignore = "writes sample PDFs and PNGs for a person to look at"]
fn sample_pages() {
    let dir = std::env::var_os("DOCUMENT_SAMPLES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let crowded = CertificateDoc {
        insured_name: "Maximiliana Wolfeschlegelsteinhausen-Bergerdorff de la Cruz y Ñúñez".into(),
        insured_email:
            "maximiliana.wolfeschlegelsteinhausen.bergerdorff@a-very-long-domain.example".into(),
        holder_name:
            "The Extraordinarily Long Named Creative Agency and Partners International LLC".into(),
        campaign: "The Extraordinarily Long Spring Summer Autumn Winter Ambassador Programme 2026"
            .into(),
        policies: (1..=14)
            .map(|i| CertificatePolicy {
                number: format!("GL-VERYLONGCLIENT-{i:08}"),
                coverage: "General liability with an unusually long coverage name".into(),
                ..sample_certificate().policies[i % 2].clone()
            })
            .collect(),
        ..sample_certificate()
    };
    let samples = [
        ("certificate-sample", certificate_pdf(&sample_certificate())),
        ("certificate-crowded-sample", certificate_pdf(&crowded)),
        ("invoice-sample", invoice_pdf(&sample_invoice())),
        (
            "invoice-long-sample",
            invoice_pdf(&InvoiceDoc {
                lines: many_lines(250),
                ..sample_invoice()
            }),
        ),
        (
            "invoice-void-sample",
            invoice_pdf(&InvoiceDoc {
                status: "Void".into(),
                ..sample_invoice()
            }),
        ),
    ];
    for (name, bytes) in samples {
        let pdf = dir.join(format!("{name}.pdf"));
        std::fs::write(&pdf, bytes).expect("the sample written");
        let root = dir.join(name);
        let pdf = pdf.to_str().expect("a UTF-8 path");
        let root = root.to_str().expect("a UTF-8 path");
        let output = run(
            "pdftoppm",
            &["-png", "-r", "80", "-f", "1", "-l", "1", pdf, root],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            Path::new(&format!("{root}-1.png")).exists()
                || Path::new(&format!("{root}-01.png")).exists()
        );
    }
}
