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
    }
}

words! {
    /// Something worth telling the operator that does not block the sync.
    pub enum WarningCode {
        /// Agency Pay is true and PO # is blank: the agency's invoice will carry no PO number.
        MissingPoNumber = "missing_po_number", "PO # missing";
    }
}
