//! Values on their way from one database to the other, each in the kind of
//! its column, and how a value fits a column of another kind.

use super::Kind;

/// One column's value (`None`: NULL), typed by its column.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Integer(Option<i64>),
    Real(Option<f64>),
    Boolean(Option<bool>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

impl Value {
    /// The kind of column it was read from.
    pub(super) fn kind(&self) -> Kind {
        match self {
            Value::Integer(_) => Kind::Integer,
            Value::Real(_) => Kind::Real,
            Value::Boolean(_) => Kind::Boolean,
            Value::Text(_) => Kind::Text,
            Value::Blob(_) => Kind::Blob,
        }
    }

    /// The value as a column of `kind` holds it: SQLite keeps booleans as the
    /// integers 0 and 1. `None` when such a column cannot hold it.
    pub(super) fn into_kind(self, kind: Kind) -> Option<Value> {
        match (self, kind) {
            (Value::Integer(integer), Kind::Boolean) => match integer {
                None => Some(Value::Boolean(None)),
                Some(0) => Some(Value::Boolean(Some(false))),
                Some(1) => Some(Value::Boolean(Some(true))),
                Some(_) => None,
            },
            (Value::Boolean(boolean), Kind::Integer) => {
                Some(Value::Integer(boolean.map(i64::from)))
            }
            (value, kind) => (value.kind() == kind).then_some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_integers_zero_and_one_are_booleans_and_back() {
        for (integer, boolean) in [(Some(0), Some(false)), (Some(1), Some(true)), (None, None)] {
            assert_eq!(
                Value::Integer(integer).into_kind(Kind::Boolean),
                Some(Value::Boolean(boolean))
            );
            assert_eq!(
                Value::Boolean(boolean).into_kind(Kind::Integer),
                Some(Value::Integer(integer))
            );
        }
        assert_eq!(Value::Integer(Some(2)).into_kind(Kind::Boolean), None);
    }

    #[test]
    fn other_values_fit_only_columns_of_their_own_kind() {
        let values = [
            Value::Integer(Some(7)),
            Value::Real(Some(0.5)),
            Value::Text(Some("text".to_owned())),
            Value::Blob(Some(vec![0, 255])),
            Value::Blob(None),
        ];
        for value in values {
            let kind = value.kind();
            assert_eq!(value.clone().into_kind(kind), Some(value.clone()));
            for other in [Kind::Real, Kind::Text, Kind::Blob] {
                if other != kind {
                    assert_eq!(value.clone().into_kind(other), None, "{value:?} as {other}");
                }
            }
        }
    }
}
