//! The in-memory CreatorIQ data (partners, campaigns, creators) and its deterministic generator.
//!
//! `generate(seed, size, today)` always yields the same data for the same inputs: one seeded RNG,
//! no clock. Partner 1 gets the scenario campaigns and creators (see [`crate::scenarios`]) plus
//! random ones up to the size's totals; partner 2 gets a small random dataset of its own.

use std::collections::HashMap;

use chrono::{Duration as Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::scenarios::{self, CONTACT_ID_OFFSET};

/// Dataset size. Totals for partner 1 include the scenario campaigns and creators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Size {
    /// 8 campaigns, 40 creators: the scenarios plus a few random ones (fast tests).
    Tiny,
    /// 20 campaigns, 300 creators (the demo).
    #[default]
    Demo,
    /// 200 campaigns, 10,000 creators.
    Large,
    /// 2,000 campaigns, 100,000 creators (benchmarks).
    Bench,
}

impl Size {
    /// `(campaigns, creators)` for partner 1.
    pub const fn totals(self) -> (usize, usize) {
        match self {
            Size::Tiny => (8, 40),
            Size::Demo => (20, 300),
            Size::Large => (200, 10_000),
            Size::Bench => (2_000, 100_000),
        }
    }

    /// Lower-case name, as accepted by `--size`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Size::Tiny => "tiny",
            Size::Demo => "demo",
            Size::Large => "large",
            Size::Bench => "bench",
        }
    }
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tiny" => Ok(Size::Tiny),
            "demo" => Ok(Size::Demo),
            "large" => Ok(Size::Large),
            "bench" => Ok(Size::Bench),
            other => Err(format!(
                "unknown size {other:?} (expected tiny, demo, large or bench)"
            )),
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Partner ids (CreatorIQ `NetworkId` / `partnerId`).
pub const PARTNER_IDS: [u32; 2] = [1021, 2042];
/// Partner display names.
pub const PARTNER_NAMES: [&str; 2] = ["Northwind Creators Agency", "Bluebird Brands"];

/// All partners' data.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Index 0 = partner 1, index 1 = partner 2.
    pub partners: Vec<PartnerData>,
}

/// One partner (CreatorIQ customer account) and everything it owns.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerData {
    /// `NetworkId` / `partnerId`.
    pub partner_id: u32,
    /// Display name.
    pub name: String,
    /// Campaigns in id order.
    pub campaigns: Vec<Campaign>,
    /// Creators in id order.
    pub publishers: Vec<Publisher>,
    campaign_idx: HashMap<u32, usize>,
    publisher_idx: HashMap<u32, usize>,
    publisher_external_idx: HashMap<String, usize>,
}

/// A campaign and its creators (assignments).
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// `CampaignId`.
    pub id: u32,
    /// `CampaignName`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `StartDate` (`YYYY-MM-DD`), `None` = blank.
    pub start_date: Option<String>,
    /// `EndDate`, `None` = blank.
    pub end_date: Option<String>,
    /// `CampaignStatus`.
    pub status: String,
    /// `DateTimeCreated`.
    pub created: NaiveDate,
    /// `AdvertiserId`.
    pub advertiser_id: u32,
    /// Brand / advertiser name.
    pub brand: String,
    /// `TotalBudget`.
    pub budget: f64,
    /// Creators on the campaign, in the order they were added.
    pub assignments: Vec<Assignment>,
}

/// One creator on one campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// `PublisherId`.
    pub publisher_id: u32,
    /// Campaign status: `Accepted`, `Invited`, `Selected` or `Declined`.
    pub status: String,
    /// `CustomField1` .. `CustomField10` (index 0 = CustomField1).
    pub custom_fields: [Option<String>; 10],
    /// Payment amount (`FinalPayout`), `None` = not set. Always a whole amount: the published
    /// schema types `FinalPayout` as an integer, so generated amounts are whole and written ones
    /// are rounded when stored.
    pub payout: Option<f64>,
    /// `DatePublisherAdded`.
    pub date_added: NaiveDate,
}

/// A creator (CreatorIQ publisher) and their primary contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Publisher {
    /// CreatorIQ's internal integer `Id`. Campaign endpoints call it `PublisherId` (the keys of
    /// Get Campaign Publishers, its `publisherId` query, `publishersList`'s `PublisherId`, the
    /// status and payment writes); Get Publisher takes it only with `key=Id`. Webhooks and the
    /// `/_sandbox/` control endpoints use it too.
    pub id: u32,
    /// The external `PublisherId` / `NetworkPublisherId`: an 11-digit numeric string (see
    /// [`external_publisher_id`]) that Get Publisher and Update Publisher take by default.
    pub external_id: String,
    /// Primary contact id.
    pub contact_id: u32,
    /// Contact `FirstName`.
    pub first_name: String,
    /// Contact `LastName`.
    pub last_name: String,
    /// Contact `Email`.
    pub email: Option<String>,
    /// Contact `StreetAddress` / `AddressLine1`.
    pub street: Option<String>,
    /// Contact `StreetAddress2` / `AddressLine2`.
    pub street2: Option<String>,
    /// Contact `City`.
    pub city: Option<String>,
    /// Contact `State` (raw).
    pub state: Option<String>,
    /// Contact `ZipCode` / `ZIPCode`.
    pub zip: Option<String>,
    /// Contact `Country` (raw).
    pub country: Option<String>,
    /// Contact `PhoneNumber1`.
    pub phone: Option<String>,
    /// Campaign ids the creator is on.
    pub campaign_ids: Vec<u32>,
    /// `LastUpdated` (`YYYY-MM-DD HH:MM:SS`).
    pub last_updated: String,
}

impl Publisher {
    /// `PublisherName` / `FullName`.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

impl PartnerData {
    fn new(index: usize, campaigns: Vec<Campaign>, publishers: Vec<Publisher>) -> Self {
        let campaign_idx = campaigns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let publisher_idx = publishers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let publisher_external_idx = publishers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.external_id.clone(), i))
            .collect();
        PartnerData {
            partner_id: PARTNER_IDS[index],
            name: PARTNER_NAMES[index].to_string(),
            campaigns,
            publishers,
            campaign_idx,
            publisher_idx,
            publisher_external_idx,
        }
    }

    /// The campaign with this id, if this partner owns it.
    pub fn campaign(&self, id: u32) -> Option<&Campaign> {
        self.campaign_idx.get(&id).map(|&i| &self.campaigns[i])
    }

    /// Mutable access to a campaign.
    pub fn campaign_mut(&mut self, id: u32) -> Option<&mut Campaign> {
        self.campaign_idx.get(&id).map(|&i| &mut self.campaigns[i])
    }

    /// The creator with this id, if this partner owns them.
    pub fn publisher(&self, id: u32) -> Option<&Publisher> {
        self.publisher_idx.get(&id).map(|&i| &self.publishers[i])
    }

    /// The creator with this external `PublisherId` (`NetworkPublisherId`), if this partner owns
    /// them. Internal ids never match: they are at most 10 digits, external ids always 11.
    pub fn publisher_by_external(&self, external_id: &str) -> Option<&Publisher> {
        self.publisher_external_idx
            .get(external_id)
            .map(|&i| &self.publishers[i])
    }

    /// Mutable access to a creator.
    pub fn publisher_mut(&mut self, id: u32) -> Option<&mut Publisher> {
        self.publisher_idx
            .get(&id)
            .map(|&i| &mut self.publishers[i])
    }

    /// The creator owning this contact id.
    pub fn publisher_by_contact(&self, contact_id: u32) -> Option<&Publisher> {
        contact_id
            .checked_sub(CONTACT_ID_OFFSET)
            .and_then(|id| self.publisher(id))
            .filter(|p| p.contact_id == contact_id)
    }

    /// Number of (creator, campaign) assignments.
    pub fn assignment_count(&self) -> usize {
        self.campaigns.iter().map(|c| c.assignments.len()).sum()
    }
}

impl Dataset {
    /// Which partner (index) owns this creator, if any.
    pub fn partner_of_publisher(&self, id: u32) -> Option<usize> {
        self.partners.iter().position(|p| p.publisher(id).is_some())
    }
}

/// Smallest external publisher id: external ids are `10_000_000_000..=10_999_999_999`, 11 digits,
/// so none of them fits a `u32` and none can equal an internal id (or a campaign or contact id).
pub const EXTERNAL_ID_BASE: u64 = 10_000_000_000;

/// The external `PublisherId` / `NetworkPublisherId` of the creator with internal id `id`:
/// `EXTERNAL_ID_BASE + (id * 387_420_489) mod 1_000_000_000`, as a decimal string.
///
/// The multiplier (3^18) is coprime to 10^9, so distinct internal ids below 10^9 (every id the
/// generator makes) get distinct external ids, and the digits of the internal id do not show in
/// the external one (5700001 -> "10174720489"); the same internal id always gives the same
/// external id.
pub fn external_publisher_id(id: u32) -> String {
    const MULTIPLIER: u64 = 387_420_489;
    const MODULUS: u64 = 1_000_000_000;
    (EXTERNAL_ID_BASE + (u64::from(id) * MULTIPLIER) % MODULUS).to_string()
}

// ---------------------------------------------------------------------------------------------
// Generator

const FIRST_NAMES: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "Lucas",
    "Mia",
    "Mateo",
    "Amelia",
    "Ethan",
    "Harper",
    "Mason",
    "Evelyn",
    "Logan",
    "Abigail",
    "Jackson",
    "Emily",
    "Aiden",
    "Ella",
    "Sebastian",
    "Chloe",
    "Daniel",
    "Zoe",
    "Henry",
    "Layla",
    "Owen",
    "Priya",
    "Wei",
    "Aaliyah",
    "Diego",
    "Fatima",
    "Kenji",
    "Nia",
    "Rafael",
    "Sofia",
    "Tariq",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Nguyen",
    "Patel",
    "Kim",
    "O'Brien",
    "Okafor",
];
const EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
    "hotmail.com",
    "protonmail.com",
];
const STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Pine St",
    "Elm St",
    "Washington Blvd",
    "Lakeview Rd",
    "Sunset Blvd",
    "Park Ave",
    "Highland Ave",
    "River Rd",
];
/// (city, state name, state code, zip prefix)
const US_CITIES: &[(&str, &str, &str, u32)] = &[
    ("Boston", "Massachusetts", "MA", 21),
    ("New York", "New York", "NY", 100),
    ("Brooklyn", "New York", "NY", 112),
    ("Los Angeles", "California", "CA", 900),
    ("San Francisco", "California", "CA", 941),
    ("San Diego", "California", "CA", 921),
    ("Austin", "Texas", "TX", 787),
    ("Houston", "Texas", "TX", 770),
    ("Miami", "Florida", "FL", 331),
    ("Orlando", "Florida", "FL", 328),
    ("Chicago", "Illinois", "IL", 606),
    ("Seattle", "Washington", "WA", 981),
    ("Portland", "Oregon", "OR", 972),
    ("Denver", "Colorado", "CO", 802),
    ("Atlanta", "Georgia", "GA", 303),
    ("Nashville", "Tennessee", "TN", 372),
    ("Phoenix", "Arizona", "AZ", 850),
    ("Philadelphia", "Pennsylvania", "PA", 191),
    ("Minneapolis", "Minnesota", "MN", 554),
    ("Detroit", "Michigan", "MI", 482),
    ("Charlotte", "North Carolina", "NC", 282),
    ("Columbus", "Ohio", "OH", 432),
    ("Salt Lake City", "Utah", "UT", 841),
    ("Las Vegas", "Nevada", "NV", 891),
    ("Washington", "District of Columbia", "DC", 200),
    ("Newark", "New Jersey", "NJ", 71),
    ("Honolulu", "Hawaii", "HI", 968),
    ("Anchorage", "Alaska", "AK", 995),
];
/// (city, region, country)
const NON_US: &[(&str, &str, &str)] = &[
    ("Toronto", "Ontario", "Canada"),
    ("Vancouver", "British Columbia", "Canada"),
    ("Montreal", "Quebec", "CA"),
    ("London", "Greater London", "United Kingdom"),
    ("Mexico City", "CDMX", "Mexico"),
    ("Sydney", "NSW", "Australia"),
    ("San Juan", "Puerto Rico", "Puerto Rico"),
];
const NON_US_WORK_STATES: &[&str] = &["Ontario", "Puerto Rico", "British Columbia", "Guam", "QC"];
const US_COUNTRY_SPELLINGS: &[(&str, u32)] = &[
    ("USA", 40),
    ("US", 20),
    ("United States", 25),
    ("United States of America", 10),
    ("usa", 5),
];
const BRANDS: &[&str] = &[
    "Glow Skincare",
    "Summit Outdoor",
    "Peak Performance",
    "Bright Bites",
    "Urban Thread",
    "Nova Audio",
    "Coastal Coffee",
    "Evergreen Home",
    "Pixel Play",
    "Harbor Health",
    "Lumen Beauty",
    "Trailhead Gear",
    "Crisp Soda",
    "Velvet Paws",
    "Atlas Travel",
    "Orbit Fitness",
    "Maple & Co",
    "Ripple Water",
    "Solstice Sun Care",
    "Kindred Kitchen",
];
const THEMES: &[&str] = &[
    "Spring Launch",
    "Summer Drop",
    "Back to School",
    "Holiday Gifting",
    "Product Review Series",
    "Unboxing Week",
    "Wellness Challenge",
    "Road Trip Stories",
    "Creator Collab",
    "Brand Refresh",
    "New Flavor Tease",
    "Weekend Routines",
    "Game Day",
    "Cozy Season",
    "Fresh Start January",
];
const STATUSES_NOT_ACCEPTED: &[&str] = &["Invited", "Selected", "Declined"];
const TIERS: &[&str] = &["Tier A", "Tier B", "Tier C"];
const CONTENT_TYPES: &[&str] = &[
    "Reels",
    "TikTok video",
    "YouTube integration",
    "Stories",
    "Blog post",
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn weighted<'a>(rng: &mut StdRng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    items[0].0
}

/// A US state spelled one of the ways CreatorIQ users type it.
fn spell_state(rng: &mut StdRng, name: &str, code: &str) -> String {
    match rng.gen_range(0..100) {
        0..=49 => code.to_string(),
        50..=74 => name.to_string(),
        75..=81 => code.to_ascii_lowercase(),
        82..=88 => name.to_ascii_lowercase(),
        89..=94 => format!(" {code} "),
        _ => format!("{name} "),
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn payout_amount(rng: &mut StdRng) -> f64 {
    const COMMON: &[f64] = &[
        500.0, 750.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 4500.0, 5000.0,
    ];
    let amount = if rng.gen_bool(0.6) {
        *pick(rng, COMMON)
    } else {
        f64::from(rng.gen_range(6..300u32) * 50)
    };
    // Whole amounts only (`FinalPayout` is an integer in the published schema).
    amount.round()
}

fn plain_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

struct IdRanges {
    campaign_base: u32,
    publisher_base: u32,
}

/// Generates the full dataset: partner 1 of the given size (with scenarios), partner 2 small.
pub fn generate(seed: u64, size: Size, today: NaiveDate) -> Dataset {
    let (campaigns, creators) = size.totals();
    let mut rng = StdRng::seed_from_u64(seed);
    let p1 = generate_partner(
        0,
        &mut rng,
        today,
        campaigns,
        creators,
        true,
        IdRanges {
            campaign_base: 841_000,
            publisher_base: 5_800_000,
        },
    );
    let mut rng2 = StdRng::seed_from_u64(seed ^ 0x5EED_0000_0000_0002);
    let p2 = generate_partner(
        1,
        &mut rng2,
        today,
        3,
        15,
        false,
        IdRanges {
            campaign_base: 961_000,
            publisher_base: 7_900_000,
        },
    );
    Dataset {
        partners: vec![p1, p2],
    }
}

fn generate_partner(
    index: usize,
    rng: &mut StdRng,
    today: NaiveDate,
    total_campaigns: usize,
    total_creators: usize,
    with_scenarios: bool,
    ids: IdRanges,
) -> PartnerData {
    let mut campaigns: Vec<Campaign> = Vec::with_capacity(total_campaigns);
    let mut publishers: Vec<Publisher> = Vec::with_capacity(total_creators);
    let stamp = format!("{} 09:00:00", ymd(today - Days::days(2)));

    if with_scenarios {
        for (i, sc) in scenarios::CAMPAIGNS.iter().enumerate() {
            let at = |o: Option<i64>| o.map(|d| ymd(today + Days::days(d)));
            campaigns.push(Campaign {
                id: sc.id,
                name: sc.name.to_string(),
                description: Some(format!("Sandbox scenario campaign: {}.", sc.demonstrates)),
                start_date: at(sc.start_offset_days),
                end_date: at(sc.end_offset_days),
                status: "Active".to_string(),
                created: today - Days::days(30),
                advertiser_id: 6400 + i as u32,
                brand: "Sandbox Scenarios".to_string(),
                budget: 50_000.0,
                assignments: Vec::new(),
            });
        }
        for sc in scenarios::CREATORS {
            let (first, last) = sc.name.split_once(' ').unwrap_or((sc.name, ""));
            let zip = match sc.state {
                Some(_) if sc.country == Some("Canada") => Some("M5V 2T6".to_string()),
                Some(_) => Some("02108".to_string()),
                None => None,
            };
            publishers.push(Publisher {
                id: sc.publisher_id,
                external_id: external_publisher_id(sc.publisher_id),
                contact_id: sc.contact_id(),
                first_name: first.to_string(),
                last_name: last.to_string(),
                email: sc.email.map(str::to_string),
                street: sc.city.map(|_| "100 Scenario Way".to_string()),
                street2: None,
                city: sc.city.map(str::to_string),
                state: sc.state.map(str::to_string),
                zip,
                country: sc.country.map(str::to_string),
                phone: Some("(555) 555-0100".to_string()),
                campaign_ids: sc.campaign_ids.to_vec(),
                last_updated: stamp.clone(),
            });
            for &cid in sc.campaign_ids {
                let mut cf: [Option<String>; 10] = Default::default();
                cf[0] = Some("Tier A".to_string());
                cf[2] = sc.po_number.map(str::to_string);
                cf[3] = sc.po_contact_email.map(str::to_string);
                cf[4] = sc.po_contact_name.map(str::to_string);
                cf[6] = sc.agency_pay.map(str::to_string);
                cf[7] = sc.work_state.map(str::to_string);
                cf[8] = sc.insurance_exempt.map(str::to_string);
                cf[9] = sc.base_pay.map(str::to_string);
                if let Some(c) = campaigns.iter_mut().find(|c| c.id == cid) {
                    c.assignments.push(Assignment {
                        publisher_id: sc.publisher_id,
                        status: sc.status.to_string(),
                        custom_fields: cf,
                        payout: sc.payout.map(f64::round),
                        date_added: today - Days::days(7),
                    });
                }
            }
        }
    }

    // Random campaigns.
    let first_random_campaign = campaigns.len();
    let random_campaigns = total_campaigns.saturating_sub(campaigns.len()).max(1);
    for i in 0..random_campaigns {
        let brand_i = rng.gen_range(0..BRANDS.len());
        let brand = BRANDS[brand_i];
        let theme = pick(rng, THEMES);
        let year = (today + Days::days(30)).format("%Y");
        // Mostly future starts; a few past, today, blank or inverted (see PRODUCT.md section 5).
        let roll = rng.gen_range(0..1000);
        let start_off: i64 = match roll {
            0..=49 => -rng.gen_range(1..=60),
            50..=79 => 0,
            _ => rng.gen_range(1..=90),
        };
        let length = rng.gen_range(14..=90);
        let (start, end) = match roll {
            980..=994 => (None, None),
            995..=999 => (
                Some(ymd(today + Days::days(start_off))),
                Some(ymd(today + Days::days(start_off - rng.gen_range(1..=20)))),
            ),
            _ => (
                Some(ymd(today + Days::days(start_off))),
                Some(ymd(today + Days::days(start_off + length))),
            ),
        };
        let description = if rng.gen_bool(0.9) {
            Some(format!(
                "{brand} {theme}: creators post sponsored content about {brand}'s latest line."
            ))
        } else {
            None
        };
        campaigns.push(Campaign {
            id: ids.campaign_base + i as u32 + 1,
            name: format!("{brand} {theme} {year}"),
            description,
            start_date: start,
            end_date: end,
            status: if start_off < 0 { "Active" } else { "Planning" }.to_string(),
            created: today - Days::days(rng.gen_range(10..200)),
            advertiser_id: 6451 + brand_i as u32,
            brand: brand.to_string(),
            budget: f64::from(rng.gen_range(20..500u32) * 1000),
            assignments: Vec::new(),
        });
    }

    // Random creators.
    let random_creators = total_creators.saturating_sub(publishers.len());
    let n_random_campaigns = campaigns.len() - first_random_campaign;
    for i in 0..random_creators {
        let id = ids.publisher_base + i as u32 + 1;
        let first = *pick(rng, FIRST_NAMES);
        let last = *pick(rng, LAST_NAMES);
        let mut p = random_contact(rng, id, first, last, &stamp);
        // Every random campaign gets creators; ~8% of creators are on a second campaign.
        let home = first_random_campaign
            + if i < n_random_campaigns {
                i
            } else {
                rng.gen_range(0..n_random_campaigns)
            };
        let mut on = vec![home];
        if n_random_campaigns > 1 && rng.gen_bool(0.08) {
            let other = first_random_campaign + rng.gen_range(0..n_random_campaigns);
            if other != home {
                on.push(other);
            }
        }
        for ci in on {
            let a = random_assignment(rng, id, today);
            campaigns[ci].assignments.push(a);
            p.campaign_ids.push(campaigns[ci].id);
        }
        publishers.push(p);
    }

    campaigns.sort_by_key(|c| c.id);
    publishers.sort_by_key(|p| p.id);
    PartnerData::new(index, campaigns, publishers)
}

fn random_contact(rng: &mut StdRng, id: u32, first: &str, last: &str, stamp: &str) -> Publisher {
    let local = format!(
        "{}.{}{}",
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase().replace('\'', ""),
        rng.gen_range(1..999)
    );
    let domain = pick(rng, EMAIL_DOMAINS);
    let roll = rng.gen_range(0..1000);
    // Contact-level defects (~7%): blank or bad email, no state, home outside the US.
    let email = match roll {
        0..=19 => None,
        20..=34 => Some(match rng.gen_range(0..3) {
            0 => format!("{local}@{}", domain.replace(".com", "")),
            1 => format!("{local} at {domain}"),
            _ => format!("{local}@@{domain}"),
        }),
        35..=44 => Some(String::new()),
        _ if rng.gen_bool(0.1) => Some(format!("{first}.{last}@{domain}").replace('\'', "")),
        _ => Some(format!("{local}@{domain}")),
    };
    let street = format!("{} {}", rng.gen_range(1..9999), pick(rng, STREETS));
    let street2 = rng
        .gen_bool(0.15)
        .then(|| format!("Apt {}", rng.gen_range(1..40)));
    let phone = rng.gen_bool(0.8).then(|| {
        format!(
            "(555) {:03}-{:04}",
            rng.gen_range(200..999),
            rng.gen_range(0..9999)
        )
    });
    let (city, state, zip, country) = if (45..=74).contains(&roll) {
        // Outside the US (Work State usually blank, sometimes set to a US state).
        let (c, r, k) = *pick(rng, NON_US);
        (
            Some(c.to_string()),
            Some(r.to_string()),
            Some(format!("{}", rng.gen_range(10000..99999))),
            Some(k.to_string()),
        )
    } else {
        let (c, name, code, zp) = *pick(rng, US_CITIES);
        let state = if (75..=89).contains(&roll) {
            if rng.gen_bool(0.5) {
                None
            } else {
                Some(String::new())
            }
        } else {
            Some(spell_state(rng, name, code))
        };
        let zip = format!("{:05}", zp * 100 + rng.gen_range(0..100));
        (
            Some(c.to_string()),
            state,
            Some(zip),
            Some(weighted(rng, US_COUNTRY_SPELLINGS).to_string()),
        )
    };
    Publisher {
        id,
        external_id: external_publisher_id(id),
        contact_id: id + CONTACT_ID_OFFSET,
        first_name: first.to_string(),
        last_name: last.to_string(),
        email,
        street: Some(street),
        street2,
        city,
        state,
        zip,
        country,
        phone,
        campaign_ids: Vec::new(),
        last_updated: stamp.to_string(),
    }
}

fn random_assignment(rng: &mut StdRng, publisher_id: u32, today: NaiveDate) -> Assignment {
    let mut cf: [Option<String>; 10] = Default::default();
    cf[0] = Some(pick(rng, TIERS).to_string());
    cf[1] = rng
        .gen_bool(0.7)
        .then(|| pick(rng, CONTENT_TYPES).to_string());
    cf[5] = rng.gen_bool(0.3).then(|| "Net 30".to_string());
    let mut payout = Some(payout_amount(rng));
    let payout_v = payout.unwrap_or(1000.0);

    // Base Pay (CustomField10): mostly blank or a plain number.
    cf[9] = match rng.gen_range(0..100) {
        0..=54 => None,
        55..=64 => Some(String::new()),
        65..=84 => Some(plain_number(payout_v * 0.9)),
        _ => Some(format!("{payout_v:.2}")),
    };
    // Work State (CustomField8): mostly blank (defaults to home) or a US state.
    cf[7] = match rng.gen_range(0..100) {
        0..=59 => None,
        60..=69 => Some(String::new()),
        _ => {
            let (_, name, code, _) = *pick(rng, US_CITIES);
            Some(spell_state(rng, name, code))
        }
    };
    // Agency Pay (CustomField7) and the PO fields.
    let agency = match rng.gen_range(0..100) {
        0..=59 => None,
        60..=69 => Some(""),
        70..=84 => Some("false"),
        85..=89 => Some(*pick(rng, &["no", "0", "False"])),
        _ => Some(*pick(rng, &["true", "yes", "1", "TRUE"])),
    };
    cf[6] = agency.map(str::to_string);
    if matches!(agency, Some("true" | "yes" | "1" | "TRUE")) {
        cf[2] = rng
            .gen_bool(0.7)
            .then(|| format!("PO-{}", rng.gen_range(10000..99999)));
        cf[3] = Some("billing@agency.example.com".to_string());
        cf[4] = Some("Jordan Accounts".to_string());
    }
    // Insurance Exempt (CustomField9).
    cf[8] = match rng.gen_range(0..100) {
        0..=69 => None,
        70..=79 => Some(String::new()),
        80..=96 => Some(pick(rng, &["false", "no", "0"]).to_string()),
        _ => Some(pick(rng, &["true", "yes"]).to_string()),
    };

    // Assignment-level defects (~7%).
    match rng.gen_range(0..1000) {
        0..=14 => payout = None,
        15..=24 => payout = Some(0.0),
        25..=39 => {
            cf[9] = Some(pick(rng, &["$4,500.00", "4,500", "USD 2000", "1500 dollars"]).to_string())
        }
        40..=49 => cf[7] = Some(pick(rng, NON_US_WORK_STATES).to_string()),
        50..=59 => {
            cf[6] = Some("true".to_string());
            cf[3] = None;
            cf[4] = None;
        }
        60..=69 => cf[6] = Some(pick(rng, &["maybe", "Y/N", "2"]).to_string()),
        _ => {}
    }

    let status = if rng.gen_bool(0.95) {
        "Accepted"
    } else {
        *pick(rng, STATUSES_NOT_ACCEPTED)
    };
    Assignment {
        publisher_id,
        status: status.to_string(),
        custom_fields: cf,
        payout,
        date_added: today - Days::days(rng.gen_range(1..60)),
    }
}
