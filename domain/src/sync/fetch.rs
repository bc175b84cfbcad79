//! Reading one campaign from CreatorIQ with the bulk endpoints, and filling what they left out
//! (contacts) with per-creator requests.

use super::*;

/// What CreatorIQ answered for one campaign, before it is mapped and judged.
pub(super) struct CampaignAnswers {
    publishers: crate::creatoriq::model::CampaignPublishers,
    contacts: HashMap<i64, ContactInfo>,
    /// Creators listed whose entry could not be read, and why.
    unreadable: Vec<(i64, SyncFailure)>,
}

impl CampaignAnswers {
    /// The campaign's rows, mapped and judged against `terms`.
    pub(super) fn into_sync(
        self,
        record: CampaignRecord,
        campaign: &Campaign,
        terms: &crate::rules::Terms,
    ) -> CampaignSync {
        let mut sync = campaign_sync(record, campaign, &self.publishers, &self.contacts, terms);
        sync.unreadable.extend(self.unreadable);
        sync
    }
}

impl SyncEngine {
    /// One campaign read and mapped ([`Self::read_campaign`], then
    /// [`CampaignAnswers::into_sync`]).
    pub(super) async fn fetch_campaign(
        &self,
        client: &CreatorIqClient,
        record: &CampaignRecord,
        campaign: &Campaign,
        terms: &crate::rules::Terms,
    ) -> Result<CampaignSync, CiqError> {
        let answers = self.read_campaign(client, record).await?;
        Ok(answers.into_sync(record.clone(), campaign, terms))
    }

    /// The bulk reads of one campaign: publishers with custom fields and payout, and the
    /// contact list. Per-creator endpoints only fill gaps the bulk answers leave.
    pub(super) async fn read_campaign(
        &self,
        client: &CreatorIqClient,
        record: &CampaignRecord,
    ) -> Result<CampaignAnswers, CiqError> {
        let id = record.ciq_campaign_id;
        let mut publishers = client.campaign_publishers(id, &SYNC_SECTIONS).await?;
        let list = client.campaign_publishers_list(id).await?;
        // Both answers name creators by CreatorIQ's internal id (campaign endpoints).
        let mut contacts: HashMap<i64, ContactInfo> = list
            .publishers
            .iter()
            .filter(|p| p.has_contact)
            .filter_map(|p| Some((p.publisher_id?, ContactInfo::from(p))))
            .collect();
        let mut unreadable = Vec::new();
        // Per-creator fallbacks for what the bulk answers left out. CreatorIQ documents the
        // `sections` detail as coming with `publisherId`, so an entry without its custom fields
        // or its payout section is fetched on its own rather than read as "no payment"; a
        // creator missing from the contact list (or listed without contact fields) gets Get
        // Publisher + Get Contact.
        let ids: Vec<i64> = publishers.publishers.keys().copied().collect();
        for publisher_id in ids {
            let entry = &publishers.publishers[&publisher_id];
            let needs_entry = entry.custom_fields.is_none() || entry.final_payout.is_none();
            let needs_contact = !contacts.contains_key(&publisher_id);
            if !needs_entry && !needs_contact {
                continue;
            }
            match self
                .fill_gaps(client, id, publisher_id, needs_entry, needs_contact)
                .await
            {
                Ok((entry, contact)) => {
                    if let Some(entry) = entry {
                        publishers.publishers.insert(publisher_id, entry);
                    }
                    if let Some(contact) = contact {
                        contacts.insert(publisher_id, contact);
                    }
                }
                Err(err) if err.stops_run() => return Err(err),
                Err(err) => {
                    publishers.publishers.remove(&publisher_id);
                    unreadable.push((
                        publisher_id,
                        SyncFailure {
                            code: err.code().to_string(),
                            message: err.to_string(),
                        },
                    ));
                }
            }
        }
        Ok(CampaignAnswers {
            publishers,
            contacts,
            unreadable,
        })
    }

    pub(super) async fn fill_gaps(
        &self,
        client: &CreatorIqClient,
        campaign_id: i64,
        publisher_id: i64,
        needs_entry: bool,
        needs_contact: bool,
    ) -> Result<
        (
            Option<crate::creatoriq::model::CampaignPublisher>,
            Option<ContactInfo>,
        ),
        CiqError,
    > {
        // `publisherId` on a campaign endpoint is the internal id, which is what we hold.
        let entry = if needs_entry {
            client
                .campaign_publisher(campaign_id, publisher_id, &SYNC_SECTIONS)
                .await?
        } else {
            None
        };
        let contact = if needs_contact {
            self.fetch_contact(client, publisher_id).await?
        } else {
            None
        };
        Ok((entry, contact))
    }

    /// Get Publisher by the internal id (`key=Id`: campaign endpoints gave us that id, and Get
    /// Publisher would otherwise read it as the external one), then Get Contact.
    pub(super) async fn fetch_contact(
        &self,
        client: &CreatorIqClient,
        publisher_id: i64,
    ) -> Result<Option<ContactInfo>, CiqError> {
        let publisher = client
            .publisher(&PublisherRef::Internal(publisher_id))
            .await?;
        match publisher.contact_id() {
            Some(contact_id) => Ok(Some(ContactInfo::from(&client.contact(contact_id).await?))),
            None => Ok(None),
        }
    }
}
