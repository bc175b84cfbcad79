//! The documents the product makes, as downloads. Certificates of insurance as PDF files:
//!
//! - `GET /contractors/{id}/certificate/{cover}.pdf`: one cover of one of the member's rows;
//! - `GET /campaigns/{id}/certificates.zip`: every cover of a campaign that is not cancelled,
//!   one PDF each (an audit entry says who downloaded them);
//! - `GET /apply/{token}/certificate.pdf`: the creator's own, reached with their link alone.
//!
//! Rows of another organization, unknown covers and cancelled ones read as 404.
//!
//! Invoices (admins): `GET /invoices/{number}.pdf` and `GET /invoices/{number}.csv`, the same
//! lines and totals in both; another organization's invoice reads as 404.

use std::io::Write;

use app::ssr::{audit_by, record, ServerContext, SignedIn};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use domain::cover::{Cover, CoverId};
use domain::links::LinkToken;
use domain::store::{AuditAction, ContractorId, OrgId};
use http::{header, StatusCode};

pub fn routes<S: Clone + Send + Sync + 'static>(ctx: ServerContext) -> Router<S> {
    Router::new()
        .route("/contractors/{id}/certificate/{file}", get(row_certificate))
        .route(
            "/campaigns/{id}/certificates.zip",
            get(campaign_certificates),
        )
        .route("/apply/{token}/certificate.pdf", get(own_certificate))
        .route("/invoices/{file}", get(invoice_file))
        .with_state(ctx)
}

fn not_found(what: &'static str) -> Response {
    (StatusCode::NOT_FOUND, what).into_response()
}

fn failed(context: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "{context}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
        .into_response()
}

fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The certificate of `cover` for the organization `org`, as PDF bytes.
async fn render(ctx: &ServerContext, org: OrgId, cover: &Cover) -> Result<Vec<u8>, Response> {
    let holder = ctx
        .store
        .organization(org)
        .await
        .map_err(|e| failed("loading the organization", e))?
        .map(|o| o.name)
        .unwrap_or_default();
    let today = chrono::Utc::now().date_naive();
    let doc = domain::cover::certificate(cover, &holder, ctx.engine.rating().insurer(), today);
    Ok(domain::documents::certificate_pdf(&doc))
}

async fn row_certificate(
    State(ctx): State<ServerContext>,
    signed_in: Option<Extension<SignedIn>>,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let Some(Extension(SignedIn(member))) = signed_in else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(cover_id) = file
        .strip_suffix(".pdf")
        .and_then(|n| n.parse::<i64>().ok())
    else {
        return not_found("No such certificate.");
    };
    let covers = match ctx.store.row_covers(member.org_id, ContractorId(id)).await {
        Ok(covers) => covers,
        Err(e) => return failed("loading covers", e),
    };
    let Some(cover) = covers
        .into_iter()
        .find(|c| c.id == CoverId(cover_id) && c.cancelled_at.is_none())
    else {
        return not_found("No such certificate in your organization.");
    };
    match render(&ctx, member.org_id, &cover).await {
        Ok(pdf) => attachment(
            "application/pdf",
            &format!("certificate-{}.pdf", cover.certificate_number()),
            pdf,
        ),
        Err(response) => response,
    }
}

async fn campaign_certificates(
    State(ctx): State<ServerContext>,
    signed_in: Option<Extension<SignedIn>>,
    Path(campaign): Path<i64>,
) -> Response {
    let Some(Extension(SignedIn(member))) = signed_in else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let covers = match ctx.store.campaign_covers(member.org_id, campaign).await {
        Ok(covers) => covers,
        Err(e) => return failed("loading covers", e),
    };
    if covers.is_empty() {
        return not_found(
            "This campaign has no certificates yet: none of its creators is covered.",
        );
    }
    let mut files = Vec::with_capacity(covers.len());
    for cover in &covers {
        match render(&ctx, member.org_id, cover).await {
            Ok(pdf) => files.push((zip_name(cover), pdf)),
            Err(response) => return response,
        }
    }
    let zipped = match tokio::task::spawn_blocking(move || zip(files)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return failed("writing the certificates ZIP", e),
        Err(e) => return failed("writing the certificates ZIP", e),
    };
    let campaign_name = covers[0].campaign_name.clone();
    record(
        ctx.store.as_ref(),
        audit_by(&member, AuditAction::CertificatesDownloaded)
            .subject(format!("campaign {campaign_name}"))
            .detail(format!("{} certificates", covers.len())),
    )
    .await;
    attachment(
        "application/zip",
        &format!("certificates-campaign-{campaign}.zip"),
        zipped,
    )
}

async fn own_certificate(State(ctx): State<ServerContext>, Path(token): Path<String>) -> Response {
    let unknown = || not_found("This link is not known. Check that it was copied in full.");
    let Some(token) = LinkToken::parse(&token) else {
        return unknown();
    };
    let found = match ctx.store.link_by_token(&token).await {
        Ok(Some(found)) => found,
        Ok(None) => return unknown(),
        Err(e) => return failed("looking up an application link", e),
    };
    let own = match ctx.store.link_cover(found.link.id).await {
        Ok(own) => own,
        Err(e) => return failed("loading the cover", e),
    };
    // A repeat creator's row: the policy they already hold.
    let held = match (&own, &found.contractor.cover) {
        (None, Some(r)) if r.by_policy.is_some() => {
            match ctx.store.cover(found.link.org_id, r.cover_id).await {
                Ok(held) => held,
                Err(e) => return failed("loading the cover", e),
            }
        }
        _ => None,
    };
    let cover = match own.or(held) {
        Some(cover) if cover.cancelled_at.is_none() => cover,
        _ => return not_found("No certificate has been issued for this application."),
    };
    match render(&ctx, found.link.org_id, &cover).await {
        Ok(pdf) => attachment(
            "application/pdf",
            &format!("certificate-{}.pdf", cover.certificate_number()),
            pdf,
        ),
        Err(response) => response,
    }
}

/// `Ada-Lovelace-COI-000012.pdf`: the insured's name in letters, digits and dashes.
fn zip_name(cover: &Cover) -> String {
    let mut name: String = cover
        .insured_name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_matches('-');
    format!("{name}-{}.pdf", cover.certificate_number())
}

fn zip(files: Vec<(String, Vec<u8>)>) -> zip::result::ZipResult<Vec<u8>> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        out.start_file(name, options)?;
        out.write_all(&bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

async fn invoice_file(
    State(ctx): State<ServerContext>,
    signed_in: Option<Extension<SignedIn>>,
    Path(file): Path<String>,
) -> Response {
    let Some(Extension(SignedIn(member))) = signed_in else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if member.role != domain::store::Role::Admin {
        return (StatusCode::FORBIDDEN, "Invoices are for admins.").into_response();
    }
    let unknown = || not_found("No such invoice in your organization.");
    let (number, pdf) = match (file.strip_suffix(".pdf"), file.strip_suffix(".csv")) {
        (Some(n), _) => (n, true),
        (_, Some(n)) => (n, false),
        _ => return unknown(),
    };
    let Some((month, id)) = domain::invoice::parse_invoice_number(number) else {
        return unknown();
    };
    let invoice = match ctx.store.invoice(member.org_id, id).await {
        Ok(Some(invoice)) if invoice.summary.month == month => invoice,
        Ok(_) => return unknown(),
        Err(e) => return failed("loading an invoice", e),
    };
    let number = invoice.summary.number();
    if pdf {
        let organization = match ctx.store.organization(member.org_id).await {
            Ok(o) => o.map(|o| o.name).unwrap_or_default(),
            Err(e) => return failed("loading the organization", e),
        };
        let rating = ctx.engine.rating();
        let doc = invoice.document(&organization, rating.insurer(), rating.is_example());
        attachment(
            "application/pdf",
            &format!("{number}.pdf"),
            domain::documents::invoice_pdf(&doc),
        )
    } else {
        match invoice_csv(&invoice) {
            Ok(bytes) => attachment("text/csv; charset=utf-8", &format!("{number}.csv"), bytes),
            Err(e) => failed("writing an invoice CSV", e),
        }
    }
}

/// The invoice's lines as CSV, voided ones marked and counting for nothing, then the totals.
fn invoice_csv(invoice: &domain::invoice::Invoice) -> Result<Vec<u8>, csv::Error> {
    use crate::export::safe_cell;
    let money = domain::documents::money;
    let s = &invoice.summary;
    let mut out = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    out.write_record([
        "Invoice",
        "PO #",
        "Period",
        "Creator",
        "Campaign",
        "Coverage",
        "Premium",
        "Platform fee",
        "Line total",
        "Voided",
    ])?;
    let number = s.number();
    let period = domain::invoice::month_label(&s.month);
    let po = s.po_number.clone().unwrap_or_default();
    for l in &invoice.lines {
        out.write_record([
            number.clone(),
            safe_cell(&po),
            period.clone(),
            safe_cell(&l.creator),
            safe_cell(&l.campaign),
            l.coverage.clone(),
            money(l.premium_cents),
            money(l.fee_cents),
            money(l.total_cents()),
            if l.voided_at.is_some() { "yes" } else { "" }.to_string(),
        ])?;
    }
    out.write_record([
        number,
        safe_cell(&po),
        period,
        "Total".to_string(),
        String::new(),
        String::new(),
        money(s.premium_cents),
        money(s.fee_cents),
        money(s.total_cents()),
        String::new(),
    ])?;
    out.into_inner().map_err(|e| e.into_error().into())
}
