//! What can be wrong with a row: the validation rules' codes (PRODUCT.md section 5) and the
//! warnings. The codes are stored with the row; what each means in CreatorIQ terms (the field
//! to change and the fix) lives beside the rules in `domain::rules`.

words! {
    /// A validation rule's stable code. A row breaking one cannot get a link.
    pub enum RuleCode {
        MissingEmail = "missing_email", "Email missing";
        InvalidEmail = "invalid_email", "Email not usable";
        MissingHomeState = "missing_home_state", "Home state missing";
        MissingPaymentAmount = "missing_payment_amount", "Payment amount missing";
        InvalidBasePay = "invalid_base_pay", "Base pay not a number";
        NonUsWorkState = "non_us_work_state", "Work state outside the US";
        CampaignStartInPast = "campaign_start_in_past", "Campaign starts in the past";
        MissingCampaignDates = "missing_campaign_dates", "Campaign dates missing";
        CampaignEndBeforeStart = "campaign_end_before_start", "Campaign ends before it starts";
        MissingPoContactEmail = "missing_po_contact_email", "PO contact email missing";
        InvalidPoContactEmail = "invalid_po_contact_email", "PO contact email not usable";
        MissingPoContactName = "missing_po_contact_name", "PO contact name missing";
        InvalidFlag = "invalid_flag", "Yes/no attribute unreadable";
        /// Base pay (or the payment amount it defaults to) under 1099Policy's $1.00 job minimum.
        BasePayBelowMinimum = "base_pay_below_minimum", "Base pay under $1";
        /// None of the organization's required coverage types can be sold for this creator.
        NoCoverageAvailable = "no_coverage_available", "No required cover available";
    }
}

words! {
    /// Something worth telling the operator that does not block the sync.
    pub enum WarningCode {
        /// Agency Pay is true and PO # is blank: the agency's invoice will carry no PO number.
        MissingPoNumber = "missing_po_number", "PO # missing";
        /// Some of the required cover cannot be sold for this creator (a state fund, a state
        /// where it is not offered); the link sells the rest.
        CoverageUnavailable = "coverage_unavailable", "Some cover unavailable";
    }
}
