use super::*;
use crate::store::CoverageTypes;

fn estimate() -> Estimate {
    Estimate {
        coverage: CoverageTypes::Both,
        general_cents: Some(2_925),
        workers_comp_cents: Some(5_400),
        platform_fee_cents: 11_250,
    }
}

fn ctx(declarations: &str) -> StepContext<'_> {
    StepContext {
        creator_name: Some("Ava  Chen"),
        declarations,
        quote: Some(AcceptedQuote {
            estimate: estimate(),
            agency_pay: false,
            example_rates: true,
        }),
        client_address: Some("203.0.113.7".into()),
        user_agent: Some("Phone".into()),
        now: Utc::now(),
    }
}

fn app(step: ApplicationStep) -> Application {
    Application {
        id: ApplicationId(1),
        org_id: OrgId(1),
        contractor_id: ContractorId(1),
        link_id: LinkId(1),
        step,
        answers: Answers::default(),
        quote: None,
        signature: None,
        draft: None,
        problem: None,
        submitted_at: None,
        decided_at: None,
        decided_by: None,
        decline_reason: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn answered(claims: bool) -> Answers {
    Answers {
        recent_claims: Some(claims),
        refused_policy: Some(false),
        employs_others: Some(false),
    }
}

#[test]
fn a_new_application_starts_by_confirming_details() {
    let change = plan_step(
        None,
        &StepForm::new(ApplicationStep::VerifyInfo, Go::Next),
        &ctx("d"),
    )
    .unwrap();
    assert_eq!(change.from, ApplicationStep::VerifyInfo);
    assert_eq!(change.to, ApplicationStep::ApplicationQuestions);
    // Back from the first step goes nowhere.
    assert_eq!(
        plan_step(
            None,
            &StepForm::new(ApplicationStep::VerifyInfo, Go::Back),
            &ctx("d")
        ),
        None
    );
}

#[test]
fn questions_need_every_answer_and_keep_what_was_given() {
    let a = app(ApplicationStep::ApplicationQuestions);
    let mut form = StepForm::new(ApplicationStep::ApplicationQuestions, Go::Next);
    form.recent_claims = Some("no".into());
    form.employs_others = Some("yes".into());
    let refused = plan_step(Some(&a), &form, &ctx("d")).unwrap();
    assert_eq!(refused.to, ApplicationStep::ApplicationQuestions);
    let (draft, why) = refused.refused.unwrap();
    assert_eq!(draft.answers.recent_claims, Some(false));
    assert_eq!(draft.answers.employs_others, Some(true));
    assert_eq!(draft.answers.refused_policy, None);
    assert!(why.contains("three questions"));

    form.refused_policy = Some("no".into());
    let ok = plan_step(Some(&a), &form, &ctx("d")).unwrap();
    assert_eq!(ok.to, ApplicationStep::Quote);
    assert_eq!(
        ok.answers,
        Some(Answers {
            recent_claims: Some(false),
            refused_policy: Some(false),
            employs_others: Some(true),
        })
    );
}

#[test]
fn the_quote_is_accepted_as_priced() {
    let a = app(ApplicationStep::Quote);
    let change = plan_step(
        Some(&a),
        &StepForm::new(ApplicationStep::Quote, Go::Next),
        &ctx("d"),
    )
    .unwrap();
    assert_eq!(change.to, ApplicationStep::Esignature);
    assert_eq!(change.quote.unwrap().estimate, estimate());
}

fn signing(name: &str, consent: bool, text: &str) -> StepForm {
    let mut form = StepForm::new(ApplicationStep::Esignature, Go::Next);
    form.legal_name = Some(name.into());
    form.consent = consent;
    form.text_sha256 = Some(text_sha256(text));
    form
}

#[test]
fn signing_checks_the_name_the_consent_and_the_text_shown() {
    let mut a = app(ApplicationStep::Esignature);
    a.answers = answered(false);
    let text = "the declarations";
    let c = ctx(text);

    let wrong = plan_step(Some(&a), &signing("Eve Chen", true, text), &c).unwrap();
    let (draft, why) = wrong.refused.unwrap();
    assert_eq!(draft.legal_name.as_deref(), Some("Eve Chen"));
    assert!(draft.consent);
    assert!(why.contains("does not match"), "{why}");

    let blank = plan_step(Some(&a), &signing("  ", true, text), &c).unwrap();
    assert!(blank
        .refused
        .unwrap()
        .1
        .contains("Type your full legal name"));

    let no_consent = plan_step(Some(&a), &signing("ava chen", false, text), &c).unwrap();
    let (draft, why) = no_consent.refused.unwrap();
    assert!(why.contains("Tick the box"), "{why}");
    assert_eq!(draft.legal_name.as_deref(), Some("ava chen"));

    let stale = plan_step(Some(&a), &signing("Ava Chen", true, "older text"), &c).unwrap();
    assert!(stale.refused.unwrap().1.contains("changed"));

    // Case, spacing and dots do not matter.
    let signed = plan_step(Some(&a), &signing(" ava   CHEN. ", true, text), &c).unwrap();
    assert_eq!(signed.to, ApplicationStep::FinalReview);
    let sig = signed.signature.unwrap().unwrap();
    assert_eq!(sig.name, "ava CHEN.");
    assert_eq!(sig.text_sha256, text_sha256(text));
    assert_eq!(sig.address.as_deref(), Some("203.0.113.7"));
    assert_eq!(sig.user_agent.as_deref(), Some("Phone"));
}

#[test]
fn submitting_completes_or_goes_to_an_underwriter() {
    let signature = Signature {
        name: "Ava Chen".into(),
        at: Utc::now(),
        address: None,
        user_agent: None,
        text_sha256: text_sha256("d"),
    };
    let mut clean = app(ApplicationStep::FinalReview);
    clean.answers = answered(false);
    clean.signature = Some(signature.clone());
    let done = plan_step(
        Some(&clean),
        &StepForm::new(ApplicationStep::FinalReview, Go::Next),
        &ctx("d"),
    )
    .unwrap();
    assert_eq!(done.to, ApplicationStep::ApplicationComplete);
    assert!(done.submits);

    let mut claims = clean.clone();
    claims.answers = answered(true);
    let review = plan_step(
        Some(&claims),
        &StepForm::new(ApplicationStep::FinalReview, Go::Next),
        &ctx("d"),
    )
    .unwrap();
    assert_eq!(review.to, ApplicationStep::ManualReview);
    assert!(review.submits);

    let mut unsigned = clean.clone();
    unsigned.signature = None;
    let refused = plan_step(
        Some(&unsigned),
        &StepForm::new(ApplicationStep::FinalReview, Go::Next),
        &ctx("d"),
    )
    .unwrap();
    assert!(!refused.submits);
    assert!(refused.refused.is_some());
}

#[test]
fn back_goes_one_step_and_unsigns_before_the_signature() {
    let mut a = app(ApplicationStep::FinalReview);
    a.signature = Some(Signature {
        name: "Ava Chen".into(),
        at: Utc::now(),
        address: None,
        user_agent: None,
        text_sha256: "x".into(),
    });
    let back = plan_step(
        Some(&a),
        &StepForm::new(ApplicationStep::FinalReview, Go::Back),
        &ctx("d"),
    )
    .unwrap();
    assert_eq!(back.to, ApplicationStep::Esignature);
    assert_eq!(
        back.signature, None,
        "the signature stays while it is still ahead"
    );
    a.step = ApplicationStep::Esignature;
    let back = plan_step(
        Some(&a),
        &StepForm::new(ApplicationStep::Esignature, Go::Back),
        &ctx("d"),
    )
    .unwrap();
    assert_eq!(back.to, ApplicationStep::Quote);
    assert_eq!(back.signature, Some(None));
}

#[test]
fn a_stale_or_finished_step_changes_nothing() {
    let a = app(ApplicationStep::Quote);
    assert_eq!(
        plan_step(
            Some(&a),
            &StepForm::new(ApplicationStep::VerifyInfo, Go::Next),
            &ctx("d")
        ),
        None
    );
    let done = app(ApplicationStep::ApplicationComplete);
    assert_eq!(
        plan_step(
            Some(&done),
            &StepForm::new(ApplicationStep::ApplicationComplete, Go::Next),
            &ctx("d")
        ),
        None
    );
}

#[test]
fn the_declarations_name_what_is_signed() {
    let text = declarations(&DeclarationFacts {
        creator_name: "Ava Chen",
        campaign: "Spring Launch",
        organization: "Acme Agency",
        coverage: &[CoverageKind::General],
        start: NaiveDate::from_ymd_opt(2030, 6, 1),
        end: NaiveDate::from_ymd_opt(2030, 8, 31),
        work_state: "Massachusetts",
        answers: answered(true),
        premium: "$29.25",
        agency_pay: true,
    });
    assert!(
        text.contains("I, Ava Chen, apply for General liability"),
        "{text}"
    );
    assert!(
        text.contains("from June 1, 2030 to August 31, 2030, in Massachusetts"),
        "{text}"
    );
    assert!(text.contains("last 3 years: yes"), "{text}");
    assert!(
        text.contains("$29.25, paid by Acme Agency on my behalf"),
        "{text}"
    );
    assert_eq!(text_sha256(&text).len(), 64);
}

#[test]
fn a_row_shows_its_current_links_application_or_what_came_before() {
    use ApplicationState as S;
    use ApplicationStep as P;
    assert_eq!(row_state(true, None, None), Some(S::NotStarted));
    assert_eq!(row_state(true, Some(P::Quote), None), Some(S::InProgress));
    assert_eq!(
        row_state(true, Some(P::ManualReview), None),
        Some(S::ManualReview)
    );
    // Replaced mid-application: the new link is not started, the old application expired.
    assert_eq!(row_state(true, None, Some(P::Esignature)), Some(S::Expired));
    // Completed on a link since replaced for new coverage: the new link starts again.
    assert_eq!(
        row_state(true, None, Some(P::ApplicationComplete)),
        Some(S::NotStarted)
    );
    // No current link (the row needs attention): what happened before stands.
    assert_eq!(
        row_state(false, None, Some(P::ApplicationComplete)),
        Some(S::Complete)
    );
    assert_eq!(row_state(false, None, Some(P::Quote)), Some(S::Expired));
    assert_eq!(row_state(false, None, None), None);
}
