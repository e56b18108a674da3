//! Who is in a generated history: customer organisations (with departments, a platform, a
//! language and contracts), the people who write to the desk, and their names and ids.

use super::shape::Rng;
use crate::desk::accounts::ContractSpec;
use crate::tickets::{Platform, UserRef};

/// A customer organisation the demo adds (through `Desk::add_org`, as `frontline orgs add`).
pub struct OrgPlan {
    pub id: &'static str,
    pub name: &'static str,
    pub domain: &'static str,
    /// The share of its people who write in Polish.
    pub polish: f64,
    /// Where its people talk to the desk (its regulars; the rest use the local terminal).
    pub platform: Platform,
    pub departments: &'static [&'static str],
    /// Its size relative to the others.
    pub size: f64,
    /// Its contracts: (kind, hours, price or fee, extra) added at the start of the history;
    /// `later` ones when 55% of it has passed (a second block bought when the first ran low).
    pub contracts: &'static [ContractPlan],
    /// Among the organisations hit by the release's spike.
    pub spike: bool,
}

pub struct ContractPlan {
    pub kind: &'static str,
    pub hours: &'static str,
    pub monthly_fee: Option<&'static str>,
    pub overage_rate: Option<&'static str>,
    pub past: Option<&'static str>,
    pub rate: Option<&'static str>,
    pub billing: Option<&'static str>,
    pub require_time: bool,
    pub later: bool,
}

const fn block(hours: &'static str, later: bool) -> ContractPlan {
    ContractPlan {
        kind: "block",
        hours,
        monthly_fee: None,
        overage_rate: None,
        past: None,
        rate: None,
        billing: None,
        require_time: false,
        later,
    }
}

pub const ORGS: &[OrgPlan] = &[
    OrgPlan {
        id: "nordwind",
        name: "Nordwind Logistics Sp. z o.o.",
        domain: "nordwind.example",
        polish: 0.85,
        platform: Platform::Slack,
        departments: &["Warehouse", "Dispatch", "Finance", "Management"],
        size: 1.4,
        contracts: &[ContractPlan {
            kind: "plan",
            hours: "30",
            monthly_fee: Some("3600"),
            overage_rate: Some("140"),
            past: Some("overage"),
            rate: None,
            billing: None,
            require_time: false,
            later: false,
        }],
        spike: true,
    },
    OrgPlan {
        id: "bialka",
        name: "Białka Foods S.A.",
        domain: "bialka.example",
        polish: 0.9,
        platform: Platform::Local,
        departments: &["Production", "Quality", "Sales", "HR"],
        size: 1.2,
        contracts: &[block("50", false), block("50", true)],
        spike: true,
    },
    OrgPlan {
        id: "orbis",
        name: "Orbis Software",
        domain: "orbis.example",
        polish: 0.5,
        platform: Platform::Discord,
        departments: &["Engineering", "Support", "Sales"],
        size: 1.0,
        contracts: &[
            ContractPlan {
                kind: "plan",
                hours: "20",
                monthly_fee: Some("2200"),
                overage_rate: Some("150"),
                past: Some("blocks"),
                rate: None,
                billing: None,
                require_time: false,
                later: false,
            },
            block("20", false),
        ],
        spike: true,
    },
    OrgPlan {
        id: "kestrel",
        name: "Kestrel Legal LLP",
        domain: "kestrel.example",
        polish: 0.1,
        platform: Platform::Slack,
        departments: &["Litigation", "Corporate", "Office"],
        size: 0.9,
        contracts: &[ContractPlan {
            kind: "annual",
            hours: "240",
            monthly_fee: None,
            overage_rate: None,
            past: None,
            rate: Some("130"),
            billing: Some("quarterly"),
            require_time: false,
            later: false,
        }],
        spike: false,
    },
    OrgPlan {
        id: "vistula",
        name: "Vistula Clinics",
        domain: "vistula.example",
        polish: 0.95,
        platform: Platform::Local,
        departments: &["Reception", "Medical", "Billing"],
        size: 0.8,
        contracts: &[
            ContractPlan {
                require_time: true,
                ..block("20", false)
            },
            block("20", true),
        ],
        spike: true,
    },
    OrgPlan {
        id: "lumen",
        name: "Lumen Architects",
        domain: "lumen.example",
        polish: 0.3,
        platform: Platform::Local,
        departments: &["Design", "Projects"],
        size: 0.5,
        contracts: &[],
        spike: false,
    },
];

impl ContractPlan {
    /// The contract as `contracts add` takes it, its hours and fee times `scale`.
    pub fn spec(&self, org: &str, start: &str, scale: u64) -> ContractSpec {
        let times = |s: &str| {
            s.parse::<u64>()
                .map(|n| (n * scale).to_string())
                .unwrap_or_else(|_| s.to_string())
        };
        ContractSpec {
            org: org.to_string(),
            kind: self.kind.into(),
            hours: times(self.hours),
            start: Some(start.to_string()),
            monthly_fee: self.monthly_fee.map(times),
            overage_rate: self.overage_rate.map(Into::into),
            past: self.past.map(Into::into),
            rate: self.rate.map(Into::into),
            billing: self.billing.map(Into::into),
            require_time: self.require_time,
            ..ContractSpec::default()
        }
    }
}

/// Someone who writes to the desk.
#[derive(Debug, Clone)]
pub struct Person {
    pub user: UserRef,
    pub department: Option<String>,
    pub polish: bool,
    /// How often they write, relative to others.
    pub weight: f64,
}

/// An organisation as the history uses it: the demo's own, or one the configuration declares.
pub struct Org {
    pub id: String,
    /// The plan, for the demo's own (`None`: declared in the configuration).
    pub plan: Option<&'static OrgPlan>,
    pub people: Vec<usize>,
}

pub struct People {
    pub orgs: Vec<Org>,
    pub persons: Vec<Person>,
    /// Cumulative weights over `persons`.
    cum: Vec<f64>,
}

const FIRST_PL: &[&str] = &[
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Magdalena",
    "Marcin",
    "Agnieszka",
    "Paweł",
    "Ewa",
    "Michał",
    "Joanna",
    "Krzysztof",
    "Monika",
    "Łukasz",
    "Zofia",
    "Jakub",
    "Barbara",
    "Adam",
    "Aleksandra",
    "Grzegorz",
    "Natalia",
    "Wojciech",
    "Karolina",
    "Mateusz",
];
const LAST_PL: &[&str] = &[
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Nowakowski",
    "Pawłowski",
];
const FIRST_EN: &[&str] = &[
    "Olivia", "James", "Emma", "Oliver", "Amelia", "Harry", "Sophie", "George", "Grace", "Noah",
    "Chloe", "Jack", "Lucy", "Thomas", "Hannah", "Daniel", "Ella", "Samuel", "Mia", "Leo",
];
const LAST_EN: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke",
];

/// A Polish surname agrees with the person (Kowalski, Kowalska).
fn feminine(first: &str, last: &str) -> String {
    if first.ends_with('a') {
        if let Some(stem) = last.strip_suffix("ski") {
            return format!("{stem}ska");
        }
        if let Some(stem) = last.strip_suffix("cki") {
            return format!("{stem}cka");
        }
    }
    last.to_string()
}

/// Ascii, lower case, for ids: `Łukasz Wiśniewski` → `lukasz.wisniewski`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ą' | 'Ą' => 'a',
            'ć' | 'Ć' => 'c',
            'ę' | 'Ę' => 'e',
            'ł' | 'Ł' => 'l',
            'ń' | 'Ń' => 'n',
            'ó' | 'Ó' => 'o',
            'ś' | 'Ś' => 's',
            'ź' | 'ż' | 'Ź' | 'Ż' => 'z',
            ' ' => '.',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl People {
    /// The people of a history of `tickets` tickets: each organisation's regulars (members of
    /// its departments, on its platform) and occasional writers (on the local terminal, known to
    /// their organisation by their e-mail domain), and a few people of no customer organisation.
    /// `configured` are organisations of the configuration with their members (`platform:id`).
    pub fn generate(tickets: u64, configured: &[(String, Vec<String>)], rng: &mut Rng) -> People {
        let mut orgs = vec![];
        let mut persons = vec![];
        let mut taken = std::collections::BTreeSet::new();
        // Regulars: people in departments write often; occasional writers make up the rest.
        let regulars = ((tickets / 400) as f64).clamp(4.0, 60.0);
        let occasional = ((tickets / 10) as f64).clamp(6.0, 12_000.0);
        let total_size: f64 = ORGS.iter().map(|o| o.size).sum();
        let mut serial = 0u64;
        for plan in ORGS {
            // The configuration declares one of the same id: it is the configuration's.
            if configured.iter().any(|(id, _)| id == plan.id) {
                continue;
            }
            let mut members = vec![];
            let n_regular = (regulars * plan.size).round().max(2.0) as usize;
            let n_occasional = (occasional * plan.size / total_size).round().max(2.0) as usize;
            for i in 0..n_regular + n_occasional {
                let regular = i < n_regular;
                let polish = rng.chance(plan.polish);
                let (first, last) = if polish {
                    let f = *rng.pick(FIRST_PL);
                    (f, feminine(f, LAST_PL[rng.below(LAST_PL.len())]))
                } else {
                    (*rng.pick(FIRST_EN), rng.pick(LAST_EN).to_string())
                };
                let name = format!("{first} {last}");
                let mut base = slug(&name);
                let mut k = 2;
                while !taken.insert(format!("{base}@{}", plan.domain)) {
                    base = format!("{}{k}", slug(&name));
                    k += 1;
                }
                serial += 1;
                let platform = if regular {
                    plan.platform
                } else {
                    Platform::Local
                };
                let id = match platform {
                    Platform::Slack => format!("U0DEMO{serial:05}"),
                    Platform::Discord => format!("{}", 900_000_000_000_000_000u64 + serial),
                    _ => format!("{base}@{}", plan.domain),
                };
                let department =
                    regular.then(|| plan.departments[i % plan.departments.len()].to_string());
                members.push(persons.len());
                persons.push(Person {
                    user: UserRef { platform, id, name },
                    department,
                    polish,
                    weight: if regular { 2.0 } else { 1.0 } * rng.spread(50, 400) as f64 / 100.0,
                });
            }
            orgs.push(Org {
                id: plan.id.to_string(),
                plan: Some(plan),
                people: members,
            });
        }
        for (id, users) in configured {
            let mut members = vec![];
            for key in users {
                let Some((p, uid)) = key.split_once(':') else {
                    continue;
                };
                let Some(platform) = Platform::parse(p) else {
                    continue;
                };
                members.push(persons.len());
                persons.push(Person {
                    user: UserRef {
                        platform,
                        id: uid.to_string(),
                        name: uid.to_string(),
                    },
                    department: None,
                    polish: rng.chance(0.5),
                    weight: 3.0,
                });
            }
            orgs.push(Org {
                id: id.clone(),
                plan: None,
                people: members,
            });
        }
        // The desk's own colleagues, who belong to no customer.
        let n_internal = ((tickets / 200) as f64).clamp(3.0, 300.0) as usize;
        for i in 0..n_internal {
            let polish = rng.chance(0.6);
            let first = if polish {
                *rng.pick(FIRST_PL)
            } else {
                *rng.pick(FIRST_EN)
            };
            let id = format!("{}{}", slug(first), i + 1);
            persons.push(Person {
                user: UserRef::local(&id),
                department: None,
                polish,
                weight: 0.6,
            });
        }
        let mut cum = Vec::with_capacity(persons.len());
        let mut total = 0.0;
        for p in &persons {
            total += p.weight;
            cum.push(total);
        }
        People { orgs, persons, cum }
    }

    /// Someone who writes, drawn by how often people write.
    pub fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.cum.last().copied().unwrap_or(0.0);
        let u = rng.unit() * total;
        self.cum
            .partition_point(|c| *c <= u)
            .min(self.persons.len() - 1)
    }

    /// Someone of one of `orgs` (indexes into [`People::orgs`]).
    pub fn draw_in(&self, orgs: &[usize], rng: &mut Rng) -> usize {
        let org = &self.orgs[*rng.pick(orgs)];
        if org.people.is_empty() {
            return self.draw(rng);
        }
        *rng.pick(&org.people)
    }

    /// A department's members, as `orgs add --department NAME=platform:id` takes them.
    pub fn departments_of(&self, org: usize) -> Vec<String> {
        self.orgs[org]
            .people
            .iter()
            .filter_map(|&i| {
                let p = &self.persons[i];
                p.department
                    .as_ref()
                    .map(|d| format!("{d}={}", p.user.key()))
            })
            .collect()
    }
}
