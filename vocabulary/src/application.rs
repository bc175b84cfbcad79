//! The creator's application (`/apply/{token}`) and the cover it quotes.

words! {
    /// One kind of cover a creator can buy: 1099Policy's coverage types.
    pub enum CoverageKind {
        General = "general", "General liability";
        WorkersComp = "workers_comp", "Workers' compensation";
    }
}

impl CoverageKind {
    /// 1099Policy's own spelling (`general`, `workers-comp`), which the rating table and the
    /// coverage setting use too.
    pub const fn policy_name(self) -> &'static str {
        match self {
            CoverageKind::General => "general",
            CoverageKind::WorkersComp => "workers-comp",
        }
    }

    /// Reads 1099Policy's spelling or the stored form.
    pub fn from_policy_name(s: &str) -> Option<CoverageKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "general" => Some(CoverageKind::General),
            "workers-comp" | "workers_comp" => Some(CoverageKind::WorkersComp),
            _ => None,
        }
    }

    /// A few words for a sentence ("Workers' comp for work in Ohio …").
    pub const fn short(self) -> &'static str {
        match self {
            CoverageKind::General => "General liability",
            CoverageKind::WorkersComp => "Workers' comp",
        }
    }
}

words! {
    /// Where a creator's application stands: 1099Policy's application-session steps in the order
    /// the creator takes them, then how it ended.
    pub enum ApplicationStep {
        /// The creator's details from CreatorIQ, to confirm.
        VerifyInfo = "verify_info", "Checking their details";
        /// Claims, cancelled or refused policies, employees.
        ApplicationQuestions = "application_questions", "Answering questions";
        /// Each coverage type with its window, premium and payer.
        Quote = "quote", "Reading the quote";
        /// The declarations, the typed legal name and consent.
        Esignature = "esignature", "Signing";
        /// Everything once more before submitting.
        FinalReview = "final_review", "Final review";
        /// Submitted and accepted.
        ApplicationComplete = "application_complete", "Complete";
        /// Submitted with answers an underwriter decides on.
        ManualReview = "manual_review", "Manual review";
        /// An underwriter declined it.
        Declined = "declined", "Declined";
    }
}

impl ApplicationStep {
    /// The steps a creator moves through, in order.
    pub const STEPS: [ApplicationStep; 5] = [
        ApplicationStep::VerifyInfo,
        ApplicationStep::ApplicationQuestions,
        ApplicationStep::Quote,
        ApplicationStep::Esignature,
        ApplicationStep::FinalReview,
    ];

    /// Submitted: nothing more for the creator to do.
    pub const fn is_finished(self) -> bool {
        matches!(
            self,
            ApplicationStep::ApplicationComplete
                | ApplicationStep::ManualReview
                | ApplicationStep::Declined
        )
    }

    /// 1-based position among [`Self::STEPS`], for "Step 2 of 5".
    pub fn number(self) -> Option<usize> {
        Self::STEPS.iter().position(|s| *s == self).map(|i| i + 1)
    }

    /// The step after this one (`None` at the final review and after).
    pub fn next(self) -> Option<ApplicationStep> {
        self.number().and_then(|n| Self::STEPS.get(n).copied())
    }

    /// The step before this one (`None` at the first).
    pub fn previous(self) -> Option<ApplicationStep> {
        self.number().filter(|n| *n > 1).map(|n| Self::STEPS[n - 2])
    }

    /// What the creator's page calls the step.
    pub const fn title(self) -> &'static str {
        match self {
            ApplicationStep::VerifyInfo => "Your details",
            ApplicationStep::ApplicationQuestions => "A few questions",
            ApplicationStep::Quote => "Your quote",
            ApplicationStep::Esignature => "Declarations and signature",
            ApplicationStep::FinalReview => "Review and submit",
            ApplicationStep::ApplicationComplete => "Application complete",
            ApplicationStep::ManualReview => "Application under review",
            ApplicationStep::Declined => "Application declined",
        }
    }
}

words! {
    /// A row's application as the operator sees and filters it.
    pub enum ApplicationState {
        /// The row's link has not been acted on yet.
        NotStarted = "not_started", "Not started";
        /// The creator is part-way through (the step reached is shown beside it).
        InProgress = "in_progress", "In progress";
        /// Submitted; an underwriter decides within 24 hours.
        ManualReview = "manual_review", "Manual review";
        /// An underwriter declined it.
        Declined = "declined", "Declined";
        /// Submitted and accepted (or approved after review).
        Complete = "complete", "Complete";
        /// The link was replaced or retired before the creator finished.
        Expired = "expired", "Expired";
    }
}

impl ApplicationState {
    /// The state of an application at `step` on a link that is still current.
    pub const fn of_step(step: ApplicationStep) -> ApplicationState {
        match step {
            ApplicationStep::ApplicationComplete => ApplicationState::Complete,
            ApplicationStep::ManualReview => ApplicationState::ManualReview,
            ApplicationStep::Declined => ApplicationState::Declined,
            _ => ApplicationState::InProgress,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_walk_forward_and_back() {
        assert_eq!(ApplicationStep::VerifyInfo.number(), Some(1));
        assert_eq!(ApplicationStep::FinalReview.number(), Some(5));
        assert_eq!(ApplicationStep::ManualReview.number(), None);
        assert_eq!(
            ApplicationStep::VerifyInfo.next(),
            Some(ApplicationStep::ApplicationQuestions)
        );
        assert_eq!(ApplicationStep::FinalReview.next(), None);
        assert_eq!(ApplicationStep::VerifyInfo.previous(), None);
        assert_eq!(
            ApplicationStep::Esignature.previous(),
            Some(ApplicationStep::Quote)
        );
        assert!(ApplicationStep::Declined.is_finished());
        assert!(!ApplicationStep::FinalReview.is_finished());
    }

    #[test]
    fn coverage_kinds_read_the_policy_spelling() {
        for kind in CoverageKind::ALL {
            assert_eq!(
                CoverageKind::from_policy_name(kind.policy_name()),
                Some(kind)
            );
            assert_eq!(CoverageKind::from_policy_name(kind.as_str()), Some(kind));
        }
        assert_eq!(CoverageKind::from_policy_name("auto"), None);
    }
}
