//! The range checks both reader targets make on the JSON a successful run writes: every stance in
//! [-1, 1], every p-value in [0, 1], every 95% interval with its low end at most its high end.

pub fn check(v: &serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(s) = m.get("stance").and_then(serde_json::Value::as_f64) {
                assert!((-1.0..=1.0).contains(&s), "a stance of {s}");
            }
            for key in ["p_value", "p_adjusted"] {
                if let Some(p) = m.get(key).and_then(serde_json::Value::as_f64) {
                    assert!((0.0..=1.0).contains(&p), "{key} = {p}");
                }
            }
            if let Some([lo, hi]) = m.get("ci95").and_then(serde_json::Value::as_array).map(Vec::as_slice) {
                if let (Some(lo), Some(hi)) = (lo.as_f64(), hi.as_f64()) {
                    assert!(lo <= hi, "an interval [{lo}, {hi}]");
                }
            }
            m.values().for_each(check);
        }
        serde_json::Value::Array(a) => a.iter().for_each(check),
        _ => {}
    }
}
