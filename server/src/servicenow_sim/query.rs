//! ServiceNow encoded queries (`sysparm_query`): parsing, evaluation, ordering.
//!
//! Grammar, as the Table API accepts it: conditions `field<op>value` joined by
//! `^` (AND) and `^OR` (OR with the previous condition, binding tighter than
//! AND), `^NQ` starting a new query OR-ed with the previous ones, and
//! `ORDERBYfield` / `ORDERBYDESCfield` terms. Field names are lower case,
//! operators upper case; names and values are case-sensitive. Parts that do not
//! parse, or that name a field the table does not have, are ignored, as a
//! default instance does.

use std::cmp::Ordering;

/// Comparison operators, longest spellings first so that parsing is greedy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    IsNotEmpty,
    IsEmpty,
    NotLike,
    NotIn,
    StartsWith,
    EndsWith,
    Like,
    In,
    NotEqual,
    GreaterOrEqual,
    LessOrEqual,
    Equal,
    Greater,
    Less,
}

impl Operator {
    const ALL: [(Operator, &'static str); 14] = [
        (Operator::IsNotEmpty, "ISNOTEMPTY"),
        (Operator::IsEmpty, "ISEMPTY"),
        (Operator::NotLike, "NOT LIKE"),
        (Operator::NotIn, "NOT IN"),
        (Operator::StartsWith, "STARTSWITH"),
        (Operator::EndsWith, "ENDSWITH"),
        (Operator::Like, "LIKE"),
        (Operator::In, "IN"),
        (Operator::NotEqual, "!="),
        (Operator::GreaterOrEqual, ">="),
        (Operator::LessOrEqual, "<="),
        (Operator::Equal, "="),
        (Operator::Greater, ">"),
        (Operator::Less, "<"),
    ];

    /// The operator's spelling in an encoded query (tests write queries with it).
    #[cfg(test)]
    pub fn token(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("", |(_, token)| token)
    }
}

/// One `field<op>value` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub field: String,
    pub operator: Operator,
    pub value: String,
}

/// A sort key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderBy {
    pub field: String,
    pub descending: bool,
}

/// A parsed encoded query: a disjunction (`^NQ`) of conjunctions (`^`) of
/// disjunctions (`^OR`) of conditions, plus the sort keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub alternatives: Vec<Vec<Vec<Condition>>>,
    pub order: Vec<OrderBy>,
}

impl Query {
    /// Parses `encoded`, keeping only conditions on fields for which
    /// `is_field` is true.
    pub fn parse(encoded: &str, is_field: impl Fn(&str) -> bool) -> Self {
        let mut query = Query::default();
        for part in encoded.split("^NQ") {
            let mut conjunction: Vec<Vec<Condition>> = Vec::new();
            for term in part.split('^') {
                if let Some(field) = term.strip_prefix("ORDERBYDESC") {
                    if is_field(field) {
                        query.order.push(OrderBy {
                            field: field.to_owned(),
                            descending: true,
                        });
                    }
                } else if let Some(field) = term.strip_prefix("ORDERBY") {
                    if is_field(field) {
                        query.order.push(OrderBy {
                            field: field.to_owned(),
                            descending: false,
                        });
                    }
                } else if let Some(condition) = term.strip_prefix("OR") {
                    let condition = parse_condition(condition).filter(|c| is_field(&c.field));
                    match (condition, conjunction.last_mut()) {
                        (Some(condition), Some(last)) => last.push(condition),
                        (Some(condition), None) => conjunction.push(vec![condition]),
                        (None, _) => {}
                    }
                } else if let Some(condition) = parse_condition(term).filter(|c| is_field(&c.field))
                {
                    conjunction.push(vec![condition]);
                }
            }
            if !conjunction.is_empty() {
                query.alternatives.push(conjunction);
            }
        }
        query
    }

    /// Whether a record, seen through `get` (missing fields are empty),
    /// satisfies the query. A query without conditions matches everything.
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.alternatives.is_empty()
            || self.alternatives.iter().any(|conjunction| {
                conjunction.iter().all(|disjunction| {
                    disjunction
                        .iter()
                        .any(|condition| condition.matches(get(&condition.field).unwrap_or("")))
                })
            })
    }

    /// Sorts records by the query's `ORDERBY` terms (stable), reading each
    /// record's sort values once rather than at every comparison.
    pub fn sort<'r, R>(
        &self,
        records: &mut [&'r R],
        field: impl Fn(&'r R, &str) -> Option<&'r str>,
    ) {
        if self.order.is_empty() {
            return;
        }
        let mut keyed: Vec<(Vec<SortValue<'r>>, &'r R)> = records
            .iter()
            .map(|&record| {
                let values = self
                    .order
                    .iter()
                    .map(|key| SortValue::new(field(record, &key.field).unwrap_or("")))
                    .collect();
                (values, record)
            })
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            self.order
                .iter()
                .zip(a.iter().zip(b))
                .map(|(key, (x, y))| {
                    if key.descending {
                        y.cmp_to(x)
                    } else {
                        x.cmp_to(y)
                    }
                })
                .find(|ordering| ordering.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        for (slot, (_, record)) in records.iter_mut().zip(keyed) {
            *slot = record;
        }
    }
}

/// A field value as it sorts: numerically when both sides are numbers,
/// otherwise as text (which orders `yyyy-MM-dd HH:mm:ss` dates correctly).
struct SortValue<'r> {
    text: &'r str,
    number: Option<f64>,
}

impl<'r> SortValue<'r> {
    fn new(text: &'r str) -> Self {
        Self {
            text,
            number: text.parse().ok(),
        }
    }

    fn cmp_to(&self, other: &Self) -> Ordering {
        match (self.number, other.number) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => self.text.cmp(other.text),
        }
    }
}

fn parse_condition(term: &str) -> Option<Condition> {
    let field_end = term
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'))
        .unwrap_or(term.len());
    let (field, rest) = term.split_at(field_end);
    if field.is_empty() {
        return None;
    }
    let (operator, token) = Operator::ALL
        .iter()
        .find(|(_, token)| rest.starts_with(token))?;
    let value = &rest[token.len()..];
    if matches!(operator, Operator::IsEmpty | Operator::IsNotEmpty) && !value.is_empty() {
        return None;
    }
    Some(Condition {
        field: field.to_owned(),
        operator: *operator,
        value: value.to_owned(),
    })
}

impl Condition {
    /// Whether a field value satisfies this condition.
    pub fn matches(&self, actual: &str) -> bool {
        let expected = self.value.as_str();
        match self.operator {
            Operator::Equal => actual == expected,
            Operator::NotEqual => actual != expected,
            Operator::Greater => compare_values(actual, expected).is_gt(),
            Operator::GreaterOrEqual => compare_values(actual, expected).is_ge(),
            Operator::Less => compare_values(actual, expected).is_lt(),
            Operator::LessOrEqual => compare_values(actual, expected).is_le(),
            Operator::Like => actual.contains(expected),
            Operator::NotLike => !actual.contains(expected),
            Operator::StartsWith => actual.starts_with(expected),
            Operator::EndsWith => actual.ends_with(expected),
            Operator::In => expected.split(',').any(|item| item == actual),
            Operator::NotIn => expected.split(',').all(|item| item != actual),
            Operator::IsEmpty => actual.is_empty(),
            Operator::IsNotEmpty => !actual.is_empty(),
        }
    }
}

/// Numbers compare as numbers, everything else (including the
/// `yyyy-MM-dd HH:mm:ss` dates) as text.
fn compare_values(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    const FIELDS: [&str; 4] = ["state", "priority", "short_description", "sys_updated_on"];

    fn known(field: &str) -> bool {
        FIELDS.contains(&field)
    }

    fn record(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn eval(query: &str, record: &BTreeMap<String, String>) -> bool {
        Query::parse(query, known).matches(|field| record.get(field).map(String::as_str))
    }

    #[test]
    fn and_binds_looser_than_or() {
        let r = record(&[("state", "-5"), ("priority", "4")]);
        assert!(eval("state=-5^priority=1^ORpriority=4", &r));
        assert!(!eval("state=3^priority=1^ORpriority=4", &r));
    }

    #[test]
    fn new_query_is_an_alternative() {
        let r = record(&[("state", "3")]);
        assert!(eval("state=-5^NQstate=3", &r));
        assert!(!eval("state=-5^NQstate=4", &r));
    }

    #[test]
    fn every_operator() {
        let r = record(&[
            ("state", "-2"),
            ("short_description", "Enable MFA for admins"),
            ("priority", ""),
        ]);
        for (query, expected) in [
            ("state=-2", true),
            ("state!=-2", false),
            ("state>-3", true),
            ("state>=-2", true),
            ("state<-2", false),
            ("state<=-2", true),
            ("short_descriptionLIKEMFA", true),
            ("short_descriptionNOT LIKEMFA", false),
            ("short_descriptionSTARTSWITHEnable", true),
            ("short_descriptionENDSWITHadmins", true),
            ("stateIN-5,-2,0", true),
            ("stateNOT IN-5,-2,0", false),
            ("priorityISEMPTY", true),
            ("priorityISNOTEMPTY", false),
            ("short_descriptionLIKEmfa", false),
        ] {
            assert_eq!(eval(query, &r), expected, "{query}");
        }
    }

    #[test]
    fn numbers_compare_numerically_and_dates_textually() {
        let r = record(&[("state", "10"), ("sys_updated_on", "2026-11-24 10:00:00")]);
        assert!(eval("state>9", &r));
        assert!(eval("sys_updated_on>2026-11-24 09:59:59", &r));
        assert!(!eval("sys_updated_on>2026-11-24 10:00:00", &r));
    }

    #[test]
    fn invalid_parts_and_unknown_fields_are_ignored() {
        let r = record(&[("state", "1")]);
        assert!(eval("no_such_field=3^state=1", &r));
        assert!(eval("garbage^state=1", &r));
        assert!(eval("", &r));
        assert!(!eval("state=2^garbage", &r));
    }

    #[test]
    fn sort_orders_numbers_numerically_and_honours_direction() {
        let records = [
            record(&[("state", "10"), ("priority", "2")]),
            record(&[("state", "9"), ("priority", "1")]),
            record(&[("state", "10"), ("priority", "1")]),
        ];
        let mut refs: Vec<&BTreeMap<String, String>> = records.iter().collect();
        Query::parse("ORDERBYDESCstate^ORDERBYpriority", known)
            .sort(&mut refs, |r, f| r.get(f).map(String::as_str));
        let order: Vec<(&str, &str)> = refs
            .iter()
            .map(|r| (r["state"].as_str(), r["priority"].as_str()))
            .collect();
        assert_eq!(order, [("10", "1"), ("10", "2"), ("9", "1")]);
    }

    #[test]
    fn ordering_terms_are_collected() {
        let query = Query::parse(
            "state=1^ORDERBYDESCsys_updated_on^ORDERBYpriority^ORDERBYbogus",
            known,
        );
        assert_eq!(
            query.order,
            vec![
                OrderBy {
                    field: "sys_updated_on".into(),
                    descending: true
                },
                OrderBy {
                    field: "priority".into(),
                    descending: false
                },
            ]
        );
    }

    /// The straightforward reference the parser is checked against: conditions
    /// given as data, evaluated with plain loops.
    fn reference(alternatives: &[Vec<Vec<Condition>>], record: &BTreeMap<String, String>) -> bool {
        if alternatives.is_empty() {
            return true;
        }
        for conjunction in alternatives {
            let mut all = true;
            for disjunction in conjunction {
                let mut any = false;
                for c in disjunction {
                    let actual = record.get(&c.field).cloned().unwrap_or_default();
                    let v = c.value.clone();
                    let num = |s: &str| s.parse::<f64>().ok();
                    let cmp = match (num(&actual), num(&v)) {
                        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap(),
                        _ => actual.cmp(&v),
                    };
                    let ok = match c.operator {
                        Operator::Equal => actual == v,
                        Operator::NotEqual => actual != v,
                        Operator::Greater => cmp == Ordering::Greater,
                        Operator::GreaterOrEqual => cmp != Ordering::Less,
                        Operator::Less => cmp == Ordering::Less,
                        Operator::LessOrEqual => cmp != Ordering::Greater,
                        Operator::Like => actual.contains(&v),
                        Operator::NotLike => !actual.contains(&v),
                        Operator::StartsWith => actual.starts_with(&v),
                        Operator::EndsWith => actual.ends_with(&v),
                        Operator::In => v.split(',').any(|x| x == actual),
                        Operator::NotIn => !v.split(',').any(|x| x == actual),
                        Operator::IsEmpty => actual.is_empty(),
                        Operator::IsNotEmpty => !actual.is_empty(),
                    };
                    any |= ok;
                }
                all &= any;
            }
            if all {
                return true;
            }
        }
        false
    }

    fn arb_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "-?[0-9]{1,2}",
            "[a-c]{1,3}",
            Just("2026-11-24 10:00:00".to_owned()),
        ]
    }

    fn arb_condition() -> impl Strategy<Value = Condition> {
        let operators: Vec<Operator> = Operator::ALL.iter().map(|(op, _)| *op).collect();
        (
            prop::sample::select(FIELDS.to_vec()),
            prop::sample::select(operators),
            arb_value(),
            arb_value(),
        )
            .prop_map(|(field, operator, value, second)| {
                let value = match operator {
                    Operator::IsEmpty | Operator::IsNotEmpty => String::new(),
                    Operator::In | Operator::NotIn => format!("{value},{second}"),
                    _ => value,
                };
                Condition {
                    field: field.to_owned(),
                    operator,
                    value,
                }
            })
    }

    fn arb_record() -> impl Strategy<Value = BTreeMap<String, String>> {
        prop::collection::btree_map(
            prop::sample::select(FIELDS.to_vec()).prop_map(str::to_owned),
            arb_value(),
            0..4,
        )
    }

    /// Writes the structure back as an encoded query.
    fn encode(alternatives: &[Vec<Vec<Condition>>]) -> String {
        alternatives
            .iter()
            .map(|conjunction| {
                conjunction
                    .iter()
                    .map(|disjunction| {
                        disjunction
                            .iter()
                            .map(|c| format!("{}{}{}", c.field, c.operator.token(), c.value))
                            .collect::<Vec<_>>()
                            .join("^OR")
                    })
                    .collect::<Vec<_>>()
                    .join("^")
            })
            .collect::<Vec<_>>()
            .join("^NQ")
    }

    proptest! {
        #[test]
        fn evaluator_agrees_with_reference_filter(
            alternatives in prop::collection::vec(
                prop::collection::vec(prop::collection::vec(arb_condition(), 1..3), 1..3), 0..3),
            records in prop::collection::vec(arb_record(), 1..8),
        ) {
            let encoded = encode(&alternatives);
            let query = Query::parse(&encoded, known);
            prop_assert_eq!(&query.alternatives, &alternatives, "round trip of {}", encoded);
            for record in &records {
                let actual = query.matches(|field| record.get(field).map(String::as_str));
                prop_assert_eq!(actual, reference(&alternatives, record), "{} on {:?}", encoded, record);
            }
        }
    }
}
