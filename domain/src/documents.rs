//! Certificates of insurance and invoices as PDF documents.
//!
//! Pure rendering: a document's data in, the bytes of a PDF out, the same bytes for the same
//! data (no clock, no random file identifier). The pages are US Letter with 54 pt margins and
//! use only the standard Helvetica and Helvetica-Bold fonts (not embedded, every PDF reader has
//! them) in WinAnsiEncoding, so text is written as Windows-1252 bytes ([`win_ansi`]): accented
//! Latin letters print, anything the encoding lacks (CJK, emoji) prints as `?`. Text is measured
//! with the fonts' published glyph widths, so money columns right-align and a value too long
//! for its column is cut with "…" instead of running into the next one.
//!
//! An invoice with many lines runs over several pages: the table header repeats on each, every
//! page has a "Page N of M" footer, and the totals come once, on the last page.

use chrono::NaiveDate;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::values::Money;

#[cfg(test)]
mod tests;

/// One policy on a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificatePolicy {
    /// The policy number, e.g. "GL-ACME-000042".
    pub number: String,
    /// e.g. "General liability", "Workers' compensation".
    pub coverage: String,
    /// Label and amount, e.g. ("Each occurrence", "$1,000,000") or ("Workers' compensation",
    /// "Statutory"); printed as sub-lines under the coverage.
    pub limits: Vec<(String, String)>,
    pub starts_on: NaiveDate,
    /// The last day of cover (inclusive).
    pub ends_on: NaiveDate,
    /// e.g. "Active", "Scheduled", "Expired", "Cancelled".
    pub status: String,
}

/// A certificate of insurance for one creator on one campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDoc {
    /// The certificate number, e.g. "COI-000042-7".
    pub number: String,
    pub issued_on: NaiveDate,
    /// The insurer's name.
    pub insurer: String,
    pub insured_name: String,
    pub insured_email: String,
    /// The work state, two letters.
    pub insured_state: Option<String>,
    /// The organization: the certificate holder.
    pub holder_name: String,
    pub campaign: String,
    pub policies: Vec<CertificatePolicy>,
    /// e.g. "Priced with example rates": printed in small type when present.
    pub notice: Option<String>,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLineDoc {
    pub creator: String,
    pub campaign: String,
    /// e.g. "General liability, Workers' comp" or "Platform fee".
    pub coverage: String,
    pub premium_cents: i64,
    pub fee_cents: i64,
}

/// An invoice to an organization for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDoc {
    /// e.g. "INV-2026-12-0007".
    pub number: String,
    pub issued_on: NaiveDate,
    /// e.g. "December 2026".
    pub period: String,
    /// The customer's purchase order number, shown in the header as "PO # …" when present.
    pub po_number: Option<String>,
    pub bill_to_name: String,
    pub bill_to_email: String,
    /// The organization billed for (the agency or brand).
    pub organization: String,
    /// Who issues the invoice.
    pub insurer: String,
    /// "Open", "Sent", "Paid" or "Void" (a void invoice carries a VOID stamp on every page).
    pub status: String,
    pub lines: Vec<InvoiceLineDoc>,
    /// Printed in small type under the totals when present.
    pub notice: Option<String>,
}

/// "$1,234.56", negative as "-$1.00": how the dashboard shows amounts ([`Money`]'s display).
pub fn money(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

/// What the producer field of every document says.
const PRODUCER: &str = "CreatorIQ cover dashboard";

/// The sentence every certificate carries under its policies.
const CERTIFICATE_DISCLAIMER: &str = "This certificate is issued as a matter of information only \
     and confers no rights upon the certificate holder. It does not amend, extend or alter the \
     coverage afforded by the policies above.";

// --- Page geometry ---------------------------------------------------------------------------

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const TOP: f32 = PAGE_HEIGHT - MARGIN;
/// The footer's baseline: the bottom margin.
const FOOTER_BASELINE: f32 = MARGIN;
/// The lowest point the body of a page may reach (the footer and its rule sit below).
const BODY_BOTTOM: f32 = MARGIN + 24.0;
/// Space between a cell's edge and its text.
const PAD: f32 = 6.0;
/// The smallest size an identifier is shrunk to before it is cut.
const MIN_IDENT_SIZE: f32 = 7.0;

// --- Colours ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Ink(f32, f32, f32);

const TEXT: Ink = Ink(0.11, 0.12, 0.14);
const MUTED: Ink = Ink(0.40, 0.42, 0.46);
const ACCENT: Ink = Ink(0.09, 0.22, 0.40);
const RULE: Ink = Ink(0.80, 0.82, 0.85);
const BAND: Ink = Ink(0.93, 0.95, 0.97);
const STRIPE: Ink = Ink(0.975, 0.98, 0.985);
const GOOD: Ink = Ink(0.08, 0.45, 0.24);
const BAD: Ink = Ink(0.72, 0.11, 0.11);

// --- Text: encoding and measuring ------------------------------------------------------------

/// `text` as Windows-1252 bytes (the fonts' WinAnsiEncoding): printable ASCII and Latin-1 as
/// themselves, the typographic extras of 0x80–0x9F (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™
/// š › œ ž Ÿ) to their codes, tabs and line breaks to spaces, anything else to `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi_byte).collect()
}

fn win_ansi_byte(c: char) -> u8 {
    match c {
        '\t' | '\n' | '\r' => b' ',
        ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => b'?',
    }
}

/// Glyph widths of Helvetica in WinAnsiEncoding, in thousandths of the font size (Adobe's
/// font metrics; codes the encoding leaves unassigned never occur, [`win_ansi`] maps them away).
#[rustfmt::skip]
const HELVETICA_WIDTHS: [u16; 256] = [
    278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, // 0x00
    278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, // 0x10
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, // 0x70
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];

/// Glyph widths of Helvetica-Bold in WinAnsiEncoding, likewise.
#[rustfmt::skip]
const HELVETICA_BOLD_WIDTHS: [u16; 256] = [
    278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, // 0x00
    278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, 278, // 0x10
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350, // 0x70
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    /// The font's name in every page's resources.
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    fn widths(self) -> &'static [u16; 256] {
        match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        }
    }
}

/// A font at a size.
#[derive(Debug, Clone, Copy)]
struct Face {
    font: Font,
    size: f32,
}

const fn regular(size: f32) -> Face {
    Face {
        font: Font::Regular,
        size,
    }
}

const fn bold(size: f32) -> Face {
    Face {
        font: Font::Bold,
        size,
    }
}

impl Face {
    /// A character's width in thousandths of the size.
    fn char_units(self, c: char) -> u32 {
        u32::from(self.font.widths()[usize::from(win_ansi_byte(c))])
    }

    fn units(self, text: &str) -> u32 {
        text.chars().map(|c| self.char_units(c)).sum()
    }

    /// Points from thousandths of the size: every measurement goes through here, so a text
    /// measured whole and the same text measured piece by piece agree.
    fn points(self, units: u32) -> f32 {
        units as f32 * self.size / 1000.0
    }

    /// How wide `text` prints, in points.
    fn width(self, text: &str) -> f32 {
        self.points(self.units(text))
    }

    /// This face, smaller if `text` would not fit in `max` points, but no smaller than `least`.
    fn shrunk(self, text: &str, max: f32, least: f32) -> Face {
        let wide = self.width(text);
        if wide <= max {
            return self;
        }
        Face {
            size: (self.size * max / wide).max(least.min(self.size)),
            ..self
        }
    }

    /// `text` cut to fit `max` points, ending with "…" when anything was cut.
    fn truncate(self, text: &str, max: f32) -> String {
        if self.width(text) <= max {
            return text.to_owned();
        }
        let mut units = self.char_units('…');
        let mut kept = String::new();
        for c in text.chars() {
            units += self.char_units(c);
            if self.points(units) > max {
                break;
            }
            kept.push(c);
        }
        format!("{}…", kept.trim_end())
    }

    /// `text` broken into lines of at most `max` points at spaces (a word longer than a whole
    /// line is broken where it must), at most `max_lines` of them, the last cut with "…" when
    /// the text needs more.
    fn wrap(self, text: &str, max: f32, max_lines: usize) -> Vec<String> {
        self.wrap_pieces(text, text.split_whitespace(), " ", max, max_lines)
    }

    /// An identifier such as "GL-ACME-000042" broken after its hyphens, likewise.
    fn wrap_ident(self, text: &str, max: f32, max_lines: usize) -> Vec<String> {
        self.wrap_pieces(text, text.split_inclusive('-'), "", max, max_lines)
    }

    /// `text`'s pieces (slices of it) joined with `joiner` into lines of at most `max` points,
    /// greedily; past `max_lines`, the last line is the rest of the text cut with "…".
    fn wrap_pieces<'t>(
        self,
        text: &'t str,
        pieces: impl Iterator<Item = &'t str>,
        joiner: &str,
        max: f32,
        max_lines: usize,
    ) -> Vec<String> {
        let keep = max_lines.max(1);
        let offset = |slice: &str| slice.as_ptr() as usize - text.as_ptr() as usize;
        let joiner_units = self.units(joiner);
        // Each finished line, with where it starts in `text`.
        let mut lines: Vec<(usize, String)> = Vec::new();
        let (mut start, mut line, mut units) = (0, String::new(), 0);
        for piece in pieces {
            if lines.len() >= keep {
                break;
            }
            let piece_units = self.units(piece);
            if line.is_empty() && self.points(piece_units) <= max {
                (start, line, units) = (offset(piece), piece.to_owned(), piece_units);
                continue;
            }
            if !line.is_empty() && self.points(units + joiner_units + piece_units) <= max {
                line.push_str(joiner);
                line.push_str(piece);
                units += joiner_units + piece_units;
                continue;
            }
            if !line.is_empty() {
                lines.push((start, std::mem::take(&mut line)));
                units = 0;
            }
            if self.points(piece_units) <= max {
                (start, line, units) = (offset(piece), piece.to_owned(), piece_units);
                continue;
            }
            // A piece wider than a line on its own: break it between characters.
            for (at, c) in piece.char_indices() {
                let c_units = self.char_units(c);
                if !line.is_empty() && self.points(units + c_units) > max {
                    lines.push((start, std::mem::take(&mut line)));
                    units = 0;
                }
                if line.is_empty() {
                    start = offset(piece) + at;
                }
                line.push(c);
                units += c_units;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push((start, line));
        }
        if lines.len() > keep {
            let rest = &text[lines[keep - 1].0..];
            let rest = if joiner == " " {
                rest.split_whitespace().collect::<Vec<_>>().join(" ")
            } else {
                rest.to_owned()
            };
            lines.truncate(keep - 1);
            lines.push((0, self.truncate(&rest, max)));
        }
        lines.into_iter().map(|(_, line)| line).collect()
    }
}

/// "Dec 1, 2026".
fn date(day: NaiveDate) -> String {
    day.format("%b %-d, %Y").to_string()
}

/// "Dec 1, 2026 – Dec 31, 2026".
fn window(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    format!("{} – {}", date(starts_on), date(ends_on))
}

// --- Drawing ---------------------------------------------------------------------------------

/// One page's content stream, drawn with the few operations the documents need.
struct Canvas {
    content: Content,
}

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            content: Content::new(),
        }
    }

    /// `text` with its baseline starting at (x, y).
    fn text(&mut self, x: f32, y: f32, face: Face, ink: Ink, text: &str) {
        let bytes = win_ansi(text);
        self.content
            .set_fill_rgb(ink.0, ink.1, ink.2)
            .begin_text()
            .set_font(face.font.resource(), face.size)
            .next_line(x, y)
            .show(Str(&bytes))
            .end_text();
    }

    /// `text` ending at `right`.
    fn text_right(&mut self, right: f32, y: f32, face: Face, ink: Ink, text: &str) {
        self.text(right - face.width(text), y, face, ink, text);
    }

    /// `text` cut with "…" to fit between `x` and `x + max`.
    fn text_fit(&mut self, x: f32, y: f32, max: f32, face: Face, ink: Ink, text: &str) {
        let fitted = face.truncate(text, max);
        self.text(x, y, face, ink, &fitted);
    }

    /// An amount ending at `right`, in a smaller size if it would not fit in `max` points:
    /// an amount is never cut.
    fn amount_right(&mut self, right: f32, y: f32, max: f32, face: Face, ink: Ink, text: &str) {
        self.text_right(right, y, face.shrunk(text, max, 0.0), ink, text);
    }

    /// An identifier (a policy or invoice number) in `max` points from `x`: in a smaller size
    /// if need be, and cut only if even the smallest readable size is too wide.
    fn ident(&mut self, x: f32, y: f32, max: f32, face: Face, ink: Ink, text: &str) {
        self.text_fit(x, y, max, face.shrunk(text, max, MIN_IDENT_SIZE), ink, text);
    }

    /// An identifier ending at `right`, likewise.
    fn ident_right(&mut self, right: f32, y: f32, max: f32, face: Face, ink: Ink, text: &str) {
        let face = face.shrunk(text, max, MIN_IDENT_SIZE);
        let fitted = face.truncate(text, max);
        self.text_right(right, y, face, ink, &fitted);
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, ink: Ink) {
        self.content
            .set_stroke_rgb(ink.0, ink.1, ink.2)
            .set_line_width(width)
            .move_to(x1, y)
            .line_to(x2, y)
            .stroke();
    }

    fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, ink: Ink) {
        self.content
            .set_fill_rgb(ink.0, ink.1, ink.2)
            .rect(x, y, width, height)
            .fill_nonzero();
    }

    /// `word` in a ruled box, like a rubber stamp, its baseline at (x, y); returns the box's
    /// right edge.
    fn badge(&mut self, x: f32, y: f32, face: Face, ink: Ink, word: &str) -> f32 {
        let pad = face.size * 0.4;
        let width = face.width(word) + 2.0 * pad;
        let bottom = y - face.size * 0.3;
        let height = face.size * (0.718 + 0.6);
        self.content
            .set_stroke_rgb(ink.0, ink.1, ink.2)
            .set_line_width(face.size / 10.0)
            .rect(x, bottom, width, height)
            .stroke();
        self.text(x + pad, y, face, ink, word);
        x + width
    }
}

/// The pages of a document, the title and the footer's left-hand text, into a PDF file.
fn assemble(title: &str, footer: &str, mut pages: Vec<Canvas>) -> Vec<u8> {
    if pages.is_empty() {
        pages.push(Canvas::new());
    }
    let total = pages.len();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let info_id = Ref::new(5);
    let page_ids: Vec<Ref> = (0..total).map(|i| Ref::new(6 + 2 * i as i32)).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(total as i32);
    // The widths too, though readers know them for the standard fonts: a reader that prints
    // with a stand-in font then still places every glyph where the layout measured it.
    for (id, font, base) in [
        (regular_id, Font::Regular, Name(b"Helvetica")),
        (bold_id, Font::Bold, Name(b"Helvetica-Bold")),
    ] {
        pdf.type1_font(id)
            .base_font(base)
            .encoding_predefined(Name(b"WinAnsiEncoding"))
            .first_char(32)
            .last_char(255)
            .widths(font.widths()[32..].iter().map(|&w| f32::from(w)));
    }
    pdf.document_info(info_id)
        .title(TextStr(title))
        .producer(TextStr(PRODUCER));

    for (index, (mut canvas, page_id)) in pages.into_iter().zip(page_ids).enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        canvas.hline(LEFT, RIGHT, FOOTER_BASELINE + 12.0, 0.5, RULE);
        canvas.text_fit(LEFT, FOOTER_BASELINE, 380.0, regular(8.0), MUTED, footer);
        let numbering = format!("Page {} of {total}", index + 1);
        canvas.text_right(RIGHT, FOOTER_BASELINE, regular(8.0), MUTED, &numbering);

        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree_id)
            .contents(content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(Font::Regular.resource(), regular_id)
            .pair(Font::Bold.resource(), bold_id);
        resources.finish();
        page.finish();
        pdf.stream(content_id, &canvas.content.finish());
    }
    pdf.finish()
}

/// One value of a labelled block: wrapped to two lines at most.
type BlockValue<'a> = (Face, Ink, &'a str);

/// A small upper-case label over a block of values; returns the baseline under the block.
fn labelled_block(
    canvas: &mut Canvas,
    x: f32,
    top: f32,
    width: f32,
    label: &str,
    values: &[BlockValue<'_>],
) -> f32 {
    canvas.text_fit(x, top - 8.0, width, bold(7.5), MUTED, &label.to_uppercase());
    let mut y = top - 23.0;
    for (face, ink, value) in values {
        for line in face.wrap(value, width, 2) {
            canvas.text(x, y, *face, *ink, &line);
            y -= face.size + 3.5;
        }
    }
    y
}

/// The labelled blocks of a header, side by side in equal columns; returns the lowest point
/// they reach.
fn block_row(canvas: &mut Canvas, top: f32, blocks: &[(&str, Vec<BlockValue<'_>>)]) -> f32 {
    let gap = 18.0;
    let count = blocks.len().max(1) as f32;
    let width = (RIGHT - LEFT - gap * (count - 1.0)) / count;
    let mut lowest = top;
    for (i, (label, values)) in blocks.iter().enumerate() {
        let x = LEFT + i as f32 * (width + gap);
        let bottom = labelled_block(canvas, x, top, width, label, values);
        lowest = lowest.min(bottom);
    }
    lowest
}

/// A colour for a status word: green for a live or settled state, red for a dead one.
fn status_ink(status: &str) -> Ink {
    match status.trim().to_ascii_lowercase().as_str() {
        "active" | "paid" => GOOD,
        "cancelled" | "canceled" | "expired" | "void" => BAD,
        "scheduled" => ACCENT,
        _ => TEXT,
    }
}

// --- Certificate -----------------------------------------------------------------------------

/// The policy table's columns by left edge (the last runs to the right margin).
const POLICY_NUMBER_X: f32 = LEFT;
const POLICY_COVERAGE_X: f32 = LEFT + 100.0;
const POLICY_WINDOW_X: f32 = LEFT + 300.0;
const POLICY_STATUS_X: f32 = LEFT + 432.0;

const POLICY_HEADER_HEIGHT: f32 = 20.0;
const POLICY_LINE: f32 = 13.0;
const LIMIT_LINE: f32 = 12.0;

fn policy_table_header(canvas: &mut Canvas, top: f32) -> f32 {
    canvas.fill(
        LEFT,
        top - POLICY_HEADER_HEIGHT,
        RIGHT - LEFT,
        POLICY_HEADER_HEIGHT,
        BAND,
    );
    canvas.hline(LEFT, RIGHT, top - POLICY_HEADER_HEIGHT, 0.8, ACCENT);
    let y = top - 13.5;
    let face = bold(8.5);
    canvas.text(POLICY_NUMBER_X + PAD, y, face, TEXT, "Policy number");
    canvas.text(
        POLICY_COVERAGE_X + PAD,
        y,
        face,
        TEXT,
        "Coverage and limits",
    );
    canvas.text(POLICY_WINDOW_X + PAD, y, face, TEXT, "Policy period");
    canvas.text(POLICY_STATUS_X + PAD, y, face, TEXT, "Status");
    top - POLICY_HEADER_HEIGHT
}

/// The policy number's lines: it is broken after a hyphen rather than cut.
fn policy_number_lines(policy: &CertificatePolicy) -> Vec<String> {
    bold(9.0).wrap_ident(
        &policy.number,
        POLICY_COVERAGE_X - POLICY_NUMBER_X - 2.0 * PAD,
        3,
    )
}

fn policy_row_height(policy: &CertificatePolicy) -> f32 {
    let lines = policy_number_lines(policy)
        .len()
        .max(1 + policy.limits.len());
    8.0 + POLICY_LINE + LIMIT_LINE * (lines - 1) as f32 + 4.0
}

/// One policy's row under `top`; returns its bottom.
fn policy_row(canvas: &mut Canvas, top: f32, policy: &CertificatePolicy) -> f32 {
    let bottom = top - policy_row_height(policy);
    let y = top - 8.0 - 8.0;
    for (i, line) in policy_number_lines(policy).iter().enumerate() {
        canvas.text(
            POLICY_NUMBER_X + PAD,
            y - LIMIT_LINE * i as f32,
            bold(9.0),
            TEXT,
            line,
        );
    }
    let coverage_width = POLICY_WINDOW_X - POLICY_COVERAGE_X - 2.0 * PAD;
    canvas.text_fit(
        POLICY_COVERAGE_X + PAD,
        y,
        coverage_width,
        bold(9.0),
        TEXT,
        &policy.coverage,
    );
    canvas.text_fit(
        POLICY_WINDOW_X + PAD,
        y,
        POLICY_STATUS_X - POLICY_WINDOW_X - 2.0 * PAD,
        regular(9.0),
        TEXT,
        &window(policy.starts_on, policy.ends_on),
    );
    canvas.text_fit(
        POLICY_STATUS_X + PAD,
        y,
        RIGHT - POLICY_STATUS_X - 2.0 * PAD,
        bold(9.0),
        status_ink(&policy.status),
        &policy.status,
    );

    let face = regular(8.5);
    let value_right = POLICY_WINDOW_X - PAD;
    let mut line_y = y - POLICY_LINE;
    for (label, value) in &policy.limits {
        let value_width = face.width(value).min(coverage_width * 0.6);
        canvas.text_fit(
            POLICY_COVERAGE_X + PAD,
            line_y,
            coverage_width - value_width - 8.0,
            face,
            MUTED,
            label,
        );
        canvas.amount_right(value_right, line_y, value_width, face, TEXT, value);
        line_y -= LIMIT_LINE;
    }
    canvas.hline(LEFT, RIGHT, bottom, 0.5, RULE);
    bottom
}

/// The top of a continuation page: the document and number again (and the badge, if any, after
/// them), then a rule.
fn continuation_header(canvas: &mut Canvas, title: &str, aside: &str, badge: Option<&str>) -> f32 {
    let face = bold(12.0);
    let title = face.truncate(title, 300.0);
    canvas.text(LEFT, TOP - 12.0, face, ACCENT, &title);
    if let Some(word) = badge {
        canvas.badge(
            LEFT + face.width(&title) + 10.0,
            TOP - 12.0,
            bold(10.0),
            BAD,
            word,
        );
    }
    canvas.text_right(RIGHT, TOP - 12.0, regular(9.0), MUTED, aside);
    canvas.hline(LEFT, RIGHT, TOP - 22.0, 0.8, ACCENT);
    TOP - 36.0
}

/// How far wrapped small print reaches down from its top.
fn small_print_height(face: Face, text: &str) -> f32 {
    let lines = face.wrap(text, RIGHT - LEFT, 40).len() as f32;
    face.size + (face.size + 3.0) * (lines - 1.0)
}

/// Wrapped small print under `top`; returns the point under it. Starts a page of its own
/// (through `new_page`) when the rest of this one cannot hold it.
fn small_print(
    pages: &mut Vec<Canvas>,
    top: f32,
    face: Face,
    ink: Ink,
    text: &str,
    new_page: &dyn Fn(&mut Canvas) -> f32,
) -> f32 {
    let lines = face.wrap(text, RIGHT - LEFT, 40);
    let leading = face.size + 3.0;
    let mut y = top - face.size;
    if top - small_print_height(face, text) < BODY_BOTTOM {
        let mut canvas = Canvas::new();
        y = new_page(&mut canvas) - face.size;
        pages.push(canvas);
    }
    let canvas = pages.last_mut().expect("a page to draw on");
    for line in lines {
        canvas.text(LEFT, y, face, ink, &line);
        y -= leading;
    }
    y
}

/// The certificate as a PDF.
pub fn certificate_pdf(doc: &CertificateDoc) -> Vec<u8> {
    let title = format!("Certificate of insurance {}", doc.number);
    let continued = format!("Certificate of insurance {} (continued)", doc.number);
    let aside = format!("Issued {}", date(doc.issued_on));
    let new_page = |canvas: &mut Canvas| continuation_header(canvas, &continued, &aside, None);

    let mut first = Canvas::new();
    first.text(
        LEFT,
        TOP - 20.0,
        bold(22.0),
        ACCENT,
        "Certificate of insurance",
    );
    first.text_fit(
        LEFT,
        TOP - 38.0,
        300.0,
        regular(10.0),
        MUTED,
        &format!("Issued by {}", doc.insurer),
    );
    first.text(
        RIGHT - 170.0,
        TOP - 8.0,
        regular(8.5),
        MUTED,
        "Certificate number",
    );
    first.ident_right(RIGHT, TOP - 8.0, 95.0, bold(9.5), TEXT, &doc.number);
    first.text(
        RIGHT - 170.0,
        TOP - 22.0,
        regular(8.5),
        MUTED,
        "Date issued",
    );
    first.text_right(RIGHT, TOP - 22.0, regular(9.5), TEXT, &date(doc.issued_on));
    first.hline(LEFT, RIGHT, TOP - 50.0, 1.2, ACCENT);

    let state = doc
        .insured_state
        .as_deref()
        .map(|s| format!("Work state: {s}"));
    let mut insured = vec![(bold(11.0), TEXT, doc.insured_name.as_str())];
    if !doc.insured_email.trim().is_empty() {
        insured.push((regular(9.5), TEXT, doc.insured_email.as_str()));
    }
    if let Some(state) = &state {
        insured.push((regular(9.5), TEXT, state.as_str()));
    }
    let row_one = [
        ("Insured", insured),
        (
            "Certificate holder",
            vec![(bold(11.0), TEXT, doc.holder_name.as_str())],
        ),
    ];
    let mut y = block_row(&mut first, TOP - 64.0, &row_one);
    let row_two = [
        ("Campaign", vec![(bold(11.0), TEXT, doc.campaign.as_str())]),
        ("Insurer", vec![(bold(11.0), TEXT, doc.insurer.as_str())]),
    ];
    y = block_row(&mut first, y - 6.0, &row_two);

    y -= 10.0;
    first.text(LEFT, y - 12.0, bold(12.0), ACCENT, "Policies");
    y = policy_table_header(&mut first, y - 20.0);

    let mut pages = vec![first];
    if doc.policies.is_empty() {
        let canvas = pages.last_mut().expect("a page to draw on");
        canvas.text(LEFT + PAD, y - 16.0, regular(9.0), MUTED, "No policies.");
        canvas.hline(LEFT, RIGHT, y - 24.0, 0.5, RULE);
        y -= 24.0;
    }
    // The last policy keeps the disclaimer company: it moves to a new page rather than leave
    // the disclaimer alone on one.
    let disclaimer = regular(8.5);
    let disclaimer_height = 14.0 + small_print_height(disclaimer, CERTIFICATE_DISCLAIMER);
    for (index, policy) in doc.policies.iter().enumerate() {
        let mut needed = policy_row_height(policy);
        if index + 1 == doc.policies.len() {
            needed += disclaimer_height;
        }
        if y - needed < BODY_BOTTOM {
            let mut canvas = Canvas::new();
            let top = new_page(&mut canvas);
            y = policy_table_header(&mut canvas, top);
            pages.push(canvas);
        }
        let canvas = pages.last_mut().expect("a page to draw on");
        y = policy_row(canvas, y, policy);
    }

    y = small_print(
        &mut pages,
        y - 14.0,
        disclaimer,
        TEXT,
        CERTIFICATE_DISCLAIMER,
        &new_page,
    );
    if let Some(notice) = doc.notice.as_deref().filter(|n| !n.trim().is_empty()) {
        small_print(&mut pages, y - 4.0, regular(7.5), MUTED, notice, &new_page);
    }

    let footer = format!("{} · Certificate {}", doc.insurer, doc.number);
    assemble(&title, &footer, pages)
}

// --- Invoice ---------------------------------------------------------------------------------

/// The line table's columns by left edge (the last runs to the right margin); an amount ends
/// a pad short of the next column.
const LINE_CREATOR_X: f32 = LEFT;
const LINE_CAMPAIGN_X: f32 = LEFT + 116.0;
const LINE_COVERAGE_X: f32 = LEFT + 232.0;
const LINE_PREMIUM_X: f32 = LEFT + 372.0;
const LINE_FEE_X: f32 = LEFT + 438.0;

const LINE_HEADER_HEIGHT: f32 = 20.0;
const LINE_HEIGHT: f32 = 16.0;
/// Room the totals need under the table.
const TOTALS_HEIGHT: f32 = 74.0;

fn line_table_header(canvas: &mut Canvas, top: f32) -> f32 {
    canvas.fill(
        LEFT,
        top - LINE_HEADER_HEIGHT,
        RIGHT - LEFT,
        LINE_HEADER_HEIGHT,
        BAND,
    );
    canvas.hline(LEFT, RIGHT, top - LINE_HEADER_HEIGHT, 0.8, ACCENT);
    let y = top - 13.5;
    let face = bold(8.5);
    canvas.text(LINE_CREATOR_X + PAD, y, face, TEXT, "Creator");
    canvas.text(LINE_CAMPAIGN_X + PAD, y, face, TEXT, "Campaign");
    canvas.text(LINE_COVERAGE_X + PAD, y, face, TEXT, "Coverage");
    canvas.text_right(LINE_FEE_X - PAD, y, face, TEXT, "Premium");
    canvas.text_right(RIGHT - PAD, y, face, TEXT, "Platform fee");
    top - LINE_HEADER_HEIGHT
}

/// Lines of text a column's cell may take before the rest is cut with "…".
const CELL_LINES: usize = 3;
/// The leading of a wrapped cell.
const CELL_LEADING: f32 = 11.0;

/// A line's creator, campaign and coverage, each wrapped to its column.
fn line_cells(line: &InvoiceLineDoc) -> [Vec<String>; 3] {
    let face = regular(9.0);
    let cell = |from: f32, to: f32| to - from - 2.0 * PAD;
    [
        face.wrap(
            &line.creator,
            cell(LINE_CREATOR_X, LINE_CAMPAIGN_X),
            CELL_LINES,
        ),
        face.wrap(
            &line.campaign,
            cell(LINE_CAMPAIGN_X, LINE_COVERAGE_X),
            CELL_LINES,
        ),
        face.wrap(
            &line.coverage,
            cell(LINE_COVERAGE_X, LINE_PREMIUM_X),
            CELL_LINES,
        ),
    ]
}

/// How tall a line's row is: one line of text, and more when a name wraps.
fn line_row_height(line: &InvoiceLineDoc) -> f32 {
    let most = line_cells(line)
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(1)
        .max(1);
    LINE_HEIGHT + CELL_LEADING * (most as f32 - 1.0)
}

fn line_row(canvas: &mut Canvas, top: f32, line: &InvoiceLineDoc, striped: bool) -> f32 {
    let height = line_row_height(line);
    let bottom = top - height;
    if striped {
        canvas.fill(LEFT, bottom, RIGHT - LEFT, height, STRIPE);
    }
    // The first line of text sits where a one-line row's does; wrapped lines go down from it.
    let y = top - LINE_HEIGHT + 5.0;
    let face = regular(9.0);
    let cell = |from: f32, to: f32| to - from - 2.0 * PAD;
    for (x, lines) in [LINE_CREATOR_X, LINE_CAMPAIGN_X, LINE_COVERAGE_X]
        .into_iter()
        .zip(line_cells(line))
    {
        for (n, text) in lines.iter().enumerate() {
            canvas.text(x + PAD, y - CELL_LEADING * n as f32, face, TEXT, text);
        }
    }
    canvas.amount_right(
        LINE_FEE_X - PAD,
        y,
        cell(LINE_PREMIUM_X, LINE_FEE_X),
        face,
        TEXT,
        &money(line.premium_cents),
    );
    canvas.amount_right(
        RIGHT - PAD,
        y,
        cell(LINE_FEE_X, RIGHT),
        face,
        TEXT,
        &money(line.fee_cents),
    );
    canvas.hline(LEFT, RIGHT, bottom, 0.3, RULE);
    bottom
}

/// The invoice as a PDF.
pub fn invoice_pdf(doc: &InvoiceDoc) -> Vec<u8> {
    let void = doc.status.trim().eq_ignore_ascii_case("void");
    let po = doc
        .po_number
        .as_deref()
        .map(str::trim)
        .filter(|po| !po.is_empty());
    let title = format!("Invoice {}", doc.number);
    let continued = format!("Invoice {} (continued)", doc.number);
    let aside = match po {
        Some(po) => format!("{} · PO # {po}", doc.period),
        None => doc.period.clone(),
    };
    let badge = void.then_some("VOID");
    let new_page = |canvas: &mut Canvas| continuation_header(canvas, &continued, &aside, badge);

    let mut first = Canvas::new();
    let title_face = bold(26.0);
    first.text(LEFT, TOP - 22.0, title_face, ACCENT, "Invoice");
    if let Some(word) = badge {
        first.badge(
            LEFT + title_face.width("Invoice") + 16.0,
            TOP - 22.0,
            bold(20.0),
            BAD,
            word,
        );
    }
    if let Some(po) = po {
        first.ident(
            LEFT,
            TOP - 44.0,
            250.0,
            bold(13.0),
            TEXT,
            &format!("PO # {po}"),
        );
    }
    let meta: [(&str, String, Ink); 4] = [
        ("Invoice number", doc.number.clone(), TEXT),
        ("Period", doc.period.clone(), TEXT),
        ("Issued", date(doc.issued_on), TEXT),
        ("Status", doc.status.clone(), status_ink(&doc.status)),
    ];
    let mut meta_y = TOP - 8.0;
    for (label, value, ink) in &meta {
        first.text(RIGHT - 200.0, meta_y, regular(8.5), MUTED, label);
        let face = if *label == "Status" {
            bold(9.5)
        } else {
            regular(9.5)
        };
        first.ident_right(RIGHT, meta_y, 125.0, face, *ink, value);
        meta_y -= 14.0;
    }
    first.hline(LEFT, RIGHT, TOP - 62.0, 1.2, ACCENT);

    let mut bill_to = vec![(bold(10.5), TEXT, doc.bill_to_name.as_str())];
    if !doc.bill_to_email.trim().is_empty() {
        bill_to.push((regular(9.5), TEXT, doc.bill_to_email.as_str()));
    }
    let blocks = [
        ("Bill to", bill_to),
        ("For", vec![(bold(10.5), TEXT, doc.organization.as_str())]),
        ("From", vec![(bold(10.5), TEXT, doc.insurer.as_str())]),
    ];
    let mut y = block_row(&mut first, TOP - 76.0, &blocks) - 12.0;
    y = line_table_header(&mut first, y);

    let mut pages = vec![first];
    if doc.lines.is_empty() {
        let canvas = pages.last_mut().expect("a page to draw on");
        canvas.text(
            LEFT + PAD,
            y - 11.0,
            regular(9.0),
            MUTED,
            "No lines this period.",
        );
        canvas.hline(LEFT, RIGHT, y - LINE_HEIGHT, 0.3, RULE);
        y -= LINE_HEIGHT;
    }
    for (index, line) in doc.lines.iter().enumerate() {
        // The last line keeps the totals company: it moves to a new page rather than leave them
        // alone on one.
        let needed = if index + 1 == doc.lines.len() {
            line_row_height(line) + TOTALS_HEIGHT
        } else {
            line_row_height(line)
        };
        if y - needed < BODY_BOTTOM {
            let mut canvas = Canvas::new();
            let top = new_page(&mut canvas);
            y = line_table_header(&mut canvas, top);
            pages.push(canvas);
        }
        let canvas = pages.last_mut().expect("a page to draw on");
        y = line_row(canvas, y, line, index % 2 == 1);
    }
    if y - TOTALS_HEIGHT < BODY_BOTTOM {
        let mut canvas = Canvas::new();
        y = new_page(&mut canvas);
        pages.push(canvas);
    }

    let premium = doc
        .lines
        .iter()
        .fold(0i64, |sum, l| sum.saturating_add(l.premium_cents));
    let fees = doc
        .lines
        .iter()
        .fold(0i64, |sum, l| sum.saturating_add(l.fee_cents));
    let due = premium.saturating_add(fees);
    let canvas = pages.last_mut().expect("a page to draw on");
    let label_x = LINE_COVERAGE_X + PAD;
    let amount_width = RIGHT - PAD - label_x - 110.0;
    let mut ty = y - 18.0;
    for (label, cents) in [("Premium total", premium), ("Platform fee total", fees)] {
        canvas.text(label_x, ty, regular(9.5), MUTED, label);
        canvas.amount_right(
            RIGHT - PAD,
            ty,
            amount_width,
            regular(9.5),
            TEXT,
            &money(cents),
        );
        ty -= 15.0;
    }
    canvas.hline(label_x - PAD, RIGHT, ty + 6.0, 0.8, ACCENT);
    ty -= 12.0;
    canvas.text(label_x, ty, bold(12.0), TEXT, "Amount due");
    canvas.amount_right(RIGHT - PAD, ty, amount_width, bold(12.0), TEXT, &money(due));
    y = ty - 10.0;

    if let Some(notice) = doc.notice.as_deref().filter(|n| !n.trim().is_empty()) {
        small_print(&mut pages, y - 8.0, regular(7.5), MUTED, notice, &new_page);
    }
    let footer = format!("{} · Invoice {} · {}", doc.insurer, doc.number, doc.period);
    assemble(&title, &footer, pages)
}
