//! [`Store`] for either backend: every method delegates to the shared SQL module of its table
//! group. Compiled once per backend, for its `ThisStore`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::super::*;
use super::{
    alerts, audit, contractors, links, members, organizations, runs, settings, sync_writes,
    webhooks, ThisStore,
};

#[async_trait]
impl Store for ThisStore {
    async fn create_organization(&self, slug: &str, name: &str) -> StoreResult<Organization> {
        organizations::create_organization(&self.pool, slug, name).await
    }

    async fn organization_by_slug(&self, slug: &str) -> StoreResult<Option<Organization>> {
        organizations::organization_by_slug(&self.pool, slug).await
    }

    async fn organization_slugs(&self) -> StoreResult<Vec<String>> {
        organizations::organization_slugs(&self.pool).await
    }

    async fn create_member(
        &self,
        org: OrgId,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> StoreResult<Member> {
        organizations::create_member(&self.pool, org, email, password_hash, role).await
    }

    async fn member_credentials(&self, email: &str) -> StoreResult<Option<MemberCredentials>> {
        organizations::member_credentials(&self.pool, email).await
    }

    async fn member(&self, id: MemberId) -> StoreResult<Option<Member>> {
        organizations::member(&self.pool, id).await
    }
    async fn organization(&self, id: OrgId) -> StoreResult<Option<Organization>> {
        organizations::organization(&self.pool, id).await
    }

    async fn members(&self, org: OrgId) -> StoreResult<Vec<MemberSummary>> {
        members::members(&self.pool, org, Utc::now()).await
    }

    async fn set_member_role(&self, org: OrgId, member: MemberId, role: Role) -> StoreResult<()> {
        members::set_member_role(&self.pool, org, member, role).await
    }

    async fn remove_member(&self, org: OrgId, member: MemberId) -> StoreResult<Member> {
        members::remove_member(&self.pool, org, member).await
    }

    async fn set_member_password(
        &self,
        org: OrgId,
        member: MemberId,
        password_hash: &str,
    ) -> StoreResult<i64> {
        members::set_member_password(&self.pool, org, member, password_hash).await
    }

    async fn create_sign_in_link(
        &self,
        org: OrgId,
        member: MemberId,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        members::create_sign_in_link(&self.pool, org, member, token, expires_at).await
    }

    async fn sign_in_link_member(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Member>> {
        members::sign_in_link_member(&self.pool, token, now).await
    }

    async fn use_sign_in_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Option<Member>> {
        members::use_sign_in_link(&self.pool, token, now, password_hash).await
    }

    async fn create_invitation(
        &self,
        org: OrgId,
        email: &str,
        role: Role,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        members::create_invitation(&self.pool, org, email, role, token, expires_at).await
    }

    async fn invitations(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<InvitationSummary>> {
        members::invitations(&self.pool, org, now).await
    }

    async fn cancel_invitation(&self, org: OrgId, id: InvitationId) -> StoreResult<bool> {
        members::cancel_invitation(&self.pool, org, id).await
    }

    async fn invitation_by_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InvitationInfo>> {
        members::invitation_by_token(&self.pool, token, now).await
    }

    async fn accept_invitation(
        &self,
        token: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Option<AcceptedInvitation>> {
        members::accept_invitation(&self.pool, token, now, password_hash).await
    }

    async fn record_audit(&self, event: &NewAuditEvent) -> StoreResult<()> {
        audit::record_audit(&self.pool, event).await
    }

    async fn audit_events(
        &self,
        org: OrgId,
        filter: &AuditFilter,
        limit: u32,
    ) -> StoreResult<(Vec<AuditEvent>, u64)> {
        audit::audit_events(&self.pool, org, filter, limit).await
    }

    async fn organization_by_webhook_id(
        &self,
        webhook_id: &str,
    ) -> StoreResult<Option<Organization>> {
        organizations::organization_by_webhook_id(&self.pool, webhook_id).await
    }

    async fn ciq_settings(&self, org: OrgId) -> StoreResult<CiqSettings> {
        settings::ciq_settings(&self.pool, org).await
    }

    async fn save_ciq_connection(
        &self,
        org: OrgId,
        base_url: &str,
        encrypted: &EncryptedSecret,
        last4: &str,
    ) -> StoreResult<()> {
        let update = settings::SettingUpdate::Connection {
            base_url,
            secret: encrypted,
            last4,
        };
        settings::update_settings(&self.pool, org, update).await
    }

    async fn clear_ciq_key(&self, org: OrgId) -> StoreResult<()> {
        settings::update_settings(&self.pool, org, settings::SettingUpdate::ClearKey).await
    }

    async fn count_ciq_requests(
        &self,
        fingerprint: &str,
        day: NaiveDate,
        n: u64,
        limit: u64,
    ) -> StoreResult<Option<u64>> {
        settings::count_ciq_requests(&self.pool, fingerprint, day, n, limit).await
    }

    async fn ciq_requests_on(&self, fingerprint: &str, day: NaiveDate) -> StoreResult<u64> {
        settings::ciq_requests_on(&self.pool, fingerprint, day).await
    }

    async fn save_coverage_types(&self, org: OrgId, types: CoverageTypes) -> StoreResult<()> {
        settings::update_settings(&self.pool, org, settings::SettingUpdate::Coverage(types)).await
    }

    async fn save_sync_interval(&self, org: OrgId, minutes: Option<u32>) -> StoreResult<()> {
        settings::update_settings(&self.pool, org, settings::SettingUpdate::Schedule(minutes)).await
    }

    async fn due_schedules(&self, now: DateTime<Utc>) -> StoreResult<Vec<ScheduleDue>> {
        webhooks::due_schedules(&self.pool, now).await
    }

    async fn claim_schedule(
        &self,
        org: OrgId,
        due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> StoreResult<bool> {
        webhooks::claim_schedule(&self.pool, org, due, now, next).await
    }

    async fn record_webhook_delivery(
        &self,
        delivery: &NewDelivery,
    ) -> StoreResult<RecordedDelivery> {
        webhooks::record_delivery(&self.pool, delivery).await
    }

    async fn prune_rejected_deliveries(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        webhooks::prune_rejected_deliveries(&self.pool, before).await
    }

    async fn rotate_webhook_id(&self, org: OrgId) -> StoreResult<String> {
        organizations::rotate_webhook_id(&self.pool, org).await
    }

    async fn claim_webhook_deliveries(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        max: u32,
    ) -> StoreResult<Vec<Delivery>> {
        webhooks::claim_deliveries(&self.pool, holder, now, until, max).await
    }

    async fn finish_webhook_deliveries(
        &self,
        ids: &[DeliveryId],
        holder: &str,
        result: &DeliveryResult,
    ) -> StoreResult<u64> {
        webhooks::finish_deliveries(&self.pool, ids, holder, result).await
    }

    async fn webhook_deliveries(
        &self,
        org: OrgId,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Delivery>, u64)> {
        webhooks::deliveries(&self.pool, org, offset, limit).await
    }

    async fn webhook_delivery(&self, org: OrgId, id: DeliveryId) -> StoreResult<Option<Delivery>> {
        webhooks::delivery(&self.pool, org, id).await
    }

    async fn latest_webhook_delivery(&self, org: OrgId) -> StoreResult<Option<Delivery>> {
        webhooks::latest_delivery(&self.pool, org).await
    }

    async fn requeue_webhook_delivery(&self, org: OrgId, id: DeliveryId) -> StoreResult<bool> {
        webhooks::requeue_delivery(&self.pool, org, id).await
    }

    async fn alert_settings(&self, org: OrgId) -> StoreResult<AlertSettings> {
        alerts::alert_settings(&self.pool, org).await
    }

    async fn save_alert_settings(&self, org: OrgId, settings: &AlertSettings) -> StoreResult<()> {
        alerts::save_alert_settings(&self.pool, org, settings).await
    }

    async fn alert_states(&self, org: OrgId) -> StoreResult<Vec<(AlertCondition, AlertState)>> {
        alerts::alert_states(&self.pool, org).await
    }

    async fn save_alert_state(
        &self,
        org: OrgId,
        condition: AlertCondition,
        state: &AlertState,
    ) -> StoreResult<()> {
        alerts::save_alert_state(&self.pool, org, condition, state).await
    }

    async fn remove_campaign(
        &self,
        org: OrgId,
        run: SyncRunId,
        ciq_campaign_id: i64,
    ) -> StoreResult<ApplyOutcome> {
        sync_writes::remove_campaigns(
            &self.pool,
            org,
            run,
            sync_writes::Removal::One(ciq_campaign_id),
        )
        .await
    }

    async fn begin_sync_run(
        &self,
        org: OrgId,
        trigger: &Trigger,
        contractor: Option<ContractorId>,
        lease: &LeaseRequest,
    ) -> StoreResult<BeginRun> {
        runs::begin_sync_run(&self.pool, org, trigger, contractor, lease).await
    }

    async fn record_sync_progress(
        &self,
        org: OrgId,
        run: SyncRunId,
        progress: &SyncProgress,
        lease: &LeaseRequest,
    ) -> StoreResult<bool> {
        runs::record_sync_progress(&self.pool, org, run, progress, lease).await
    }

    async fn renew_sync_lease(
        &self,
        org: OrgId,
        run: SyncRunId,
        lease: &LeaseRequest,
    ) -> StoreResult<bool> {
        runs::renew_sync_lease(&self.pool, org, run, lease).await
    }

    async fn finish_sync_run(
        &self,
        org: OrgId,
        run: SyncRunId,
        state: RunState,
        totals: &RunTotals,
        holder: &str,
    ) -> StoreResult<()> {
        runs::finish_sync_run(&self.pool, org, run, state, totals, holder).await
    }

    async fn sync_run(&self, org: OrgId, run: SyncRunId) -> StoreResult<Option<SyncRun>> {
        runs::sync_run(&self.pool, org, run).await
    }

    async fn sync_runs(
        &self,
        org: OrgId,
        before: Option<SyncRunId>,
        limit: u32,
    ) -> StoreResult<Vec<SyncRun>> {
        runs::sync_runs(&self.pool, org, before, limit).await
    }

    async fn running_sync_run(&self, org: OrgId) -> StoreResult<Option<SyncRun>> {
        runs::running_sync_run(&self.pool, org).await
    }

    async fn apply_campaign_sync(
        &self,
        org: OrgId,
        run: SyncRunId,
        sync: &CampaignSync,
    ) -> StoreResult<ApplyOutcome> {
        sync_writes::apply_campaign_sync(&self.pool, org, run, sync).await
    }

    async fn record_campaign_failure(
        &self,
        org: OrgId,
        run: SyncRunId,
        campaign: &CampaignRecord,
        failure: &SyncFailure,
    ) -> StoreResult<u64> {
        sync_writes::record_campaign_failure(&self.pool, org, run, campaign, failure).await
    }

    async fn record_row_failure(
        &self,
        org: OrgId,
        run: SyncRunId,
        contractor: ContractorId,
        failure: &SyncFailure,
    ) -> StoreResult<()> {
        sync_writes::record_row_failure(&self.pool, org, run, contractor, failure).await
    }

    async fn remove_missing_campaigns(
        &self,
        org: OrgId,
        run: SyncRunId,
        present: &[i64],
    ) -> StoreResult<ApplyOutcome> {
        sync_writes::remove_campaigns(&self.pool, org, run, sync_writes::Removal::AllBut(present))
            .await
    }

    async fn contractor(&self, org: OrgId, id: ContractorId) -> StoreResult<Option<Contractor>> {
        contractors::contractor(&self.pool, org, id).await
    }

    async fn contractor_by_ciq_ids(
        &self,
        org: OrgId,
        ciq_campaign_id: i64,
        ciq_publisher_id: i64,
    ) -> StoreResult<Option<Contractor>> {
        contractors::contractor_by_ciq_ids(&self.pool, org, ciq_campaign_id, ciq_publisher_id).await
    }

    async fn contractors_for_publisher(
        &self,
        org: OrgId,
        ciq_publisher_id: i64,
    ) -> StoreResult<Vec<Contractor>> {
        contractors::contractors_for_publisher(&self.pool, org, ciq_publisher_id).await
    }

    async fn contractor_status_counts(&self, org: OrgId) -> StoreResult<StatusCounts> {
        contractors::contractor_status_counts(&self.pool, org).await
    }

    async fn contractor_history(
        &self,
        org: OrgId,
        id: ContractorId,
        limit: u32,
    ) -> StoreResult<Vec<ContractorEvent>> {
        contractors::contractor_history(&self.pool, org, id, limit).await
    }

    async fn current_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Option<ApplicationLink>> {
        links::current_link(&self.pool, org, contractor).await
    }

    async fn link_history(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<ApplicationLink>> {
        links::link_history(&self.pool, org, contractor).await
    }

    async fn regenerate_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<ApplicationLink> {
        links::regenerate_link(&self.pool, org, contractor).await
    }

    async fn link_by_token(&self, token: &LinkToken) -> StoreResult<Option<PublicLink>> {
        links::link_by_token(&self.pool, token).await
    }

    async fn mark_link_opened(&self, token: &LinkToken) -> StoreResult<Option<LinkState>> {
        links::mark_link(&self.pool, token, LinkState::Opened).await
    }

    async fn mark_link_submitted(&self, token: &LinkToken) -> StoreResult<Option<LinkState>> {
        links::mark_link(&self.pool, token, LinkState::Submitted).await
    }

    // --- Contractors pages ---

    async fn contractor_page(
        &self,
        org: OrgId,
        request: &ContractorPageRequest,
    ) -> StoreResult<ContractorPage> {
        contractors::contractor_page(&self.pool, org, request).await
    }

    async fn contractor_filter_counts(
        &self,
        org: OrgId,
        filter: &ContractorFilter,
    ) -> StoreResult<StatusCounts> {
        contractors::filter_counts(&self.pool, org, filter).await
    }

    async fn contractor_campaigns(&self, org: OrgId) -> StoreResult<Vec<CampaignOption>> {
        contractors::campaigns(&self.pool, org).await
    }

    async fn problem_counts(&self, org: OrgId) -> StoreResult<Vec<ProblemCount>> {
        contractors::problem_counts(&self.pool, org).await
    }

    // --- Settings and runs pages ---

    async fn record_login_failure(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        organizations::record_login_failure(&self.pool, subjects, at).await
    }

    async fn forget_login_attempt(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        organizations::forget_login_attempt(&self.pool, subjects, at).await
    }

    async fn recent_login_failures(
        &self,
        subject: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        organizations::recent_login_failures(&self.pool, subject, since, limit).await
    }

    async fn clear_login_failures(&self, subject: &str) -> StoreResult<()> {
        organizations::clear_login_failures(&self.pool, subject).await
    }
}
