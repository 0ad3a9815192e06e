use super::*;
use rand::Rng;

/// Fewer resamples than the default keep the simulation tests fast; p-values step by 1/500.
const TEST_RESAMPLES: usize = 499;

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < 1e-12
}

fn assert_all_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert!(close(*a, *e), "got {actual:?}, expected {expected:?}");
    }
}

/// `(stance sum, square sum, sentences)` of a document with these sentence stances.
fn document(stances: &[f64]) -> (f64, f64, u64) {
    (stances.iter().sum(), stances.iter().map(|s| s * s).sum(), stances.len() as u64)
}

fn table_of(rows: &[[(f64, f64, u64); 2]]) -> DocumentTable {
    let mut table = DocumentTable::zeros(rows.len(), 2);
    for (row, cells) in rows.iter().enumerate() {
        for (actor, &(stance, squares, sentences)) in cells.iter().enumerate() {
            table.stance_sum[[row, actor]] = stance;
            table.square_sum[[row, actor]] = squares;
            table.sentences[[row, actor]] = sentences;
        }
    }
    table
}

/// Synthetic one-actor corpus with a document-level random effect: each document has its own mean
/// `center + U(-DOCUMENT_SPREAD, DOCUMENT_SPREAD)`, and its sentences are that mean plus
/// `U(-SENTENCE_NOISE, SENTENCE_NOISE)`, so sentences of one document are correlated (intra-document
/// correlation 0.25² / (0.25² + 0.45²) = 0.24). Sentences per document vary: 0 for one document in
/// ten (it then takes no part), else 1..=12, skewed toward few. |center| <= 0.125 keeps every stance
/// inside [-1, 1] without clipping, so the true group mean is exactly `center`.
#[derive(Default)]
struct SyntheticCorpus {
    documents: Vec<(f64, f64, u64)>,
}

const DOCUMENT_SPREAD: f64 = 0.25;
const SENTENCE_NOISE: f64 = 0.45;

impl SyntheticCorpus {
    fn add_group(&mut self, documents: usize, center: f64, rng: &mut ChaCha8Rng) -> Vec<usize> {
        let first = self.documents.len();
        for _ in 0..documents {
            let sentences = if rng.gen_bool(0.1) { 0 } else { 1 + (12.0 * rng.gen::<f64>().powi(2)) as usize };
            let own_mean = center + rng.gen_range(-DOCUMENT_SPREAD..DOCUMENT_SPREAD);
            let stances: Vec<f64> =
                (0..sentences).map(|_| own_mean + rng.gen_range(-SENTENCE_NOISE..SENTENCE_NOISE)).collect();
            self.documents.push(document(&stances));
        }
        (first..self.documents.len()).collect()
    }

    fn table(&self) -> DocumentTable {
        let mut table = DocumentTable::zeros(self.documents.len(), 1);
        for (row, &(stance, squares, sentences)) in self.documents.iter().enumerate() {
            table.stance_sum[[row, 0]] = stance;
            table.square_sum[[row, 0]] = squares;
            table.sentences[[row, 0]] = sentences;
        }
        table
    }

    /// The naive test that treats sentences as independent: Welch z on sentence stances, |z| > 1.96.
    fn naive_sentence_test_rejects(&self, request: &Request) -> bool {
        let moments = |rows: &[usize]| {
            let (s, q, n) = rows
                .iter()
                .map(|&row| self.documents[row])
                .fold((0.0, 0.0, 0_u64), |acc, doc| (acc.0 + doc.0, acc.1 + doc.1, acc.2 + doc.2));
            let n = n as f64;
            (s / n, (q - s * s / n) / (n - 1.0), n)
        };
        let (mean_a, variance_a, n_a) = moments(&request.a);
        let (mean_b, variance_b, n_b) = moments(&request.b);
        ((mean_a - mean_b) / (variance_a / n_a + variance_b / n_b).sqrt()).abs() > 1.96
    }
}

fn simulation_options() -> CompareOptions {
    CompareOptions { resamples: TEST_RESAMPLES, correction: Correction::None, ..CompareOptions::default() }
}

fn covers(test: &Test, truth: f64) -> bool {
    test.ci95[0] <= truth && truth <= test.ci95[1]
}

#[test]
fn holm_matches_hand_worked_example() {
    // p = [0.01, 0.04, 0.03, 0.005], m = 4. Ascending: 0.005 (#3), 0.01 (#0), 0.03 (#2), 0.04 (#1).
    // Scaled by m - i + 1 = 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04.
    // Running maximum: 0.02, 0.03, 0.06, 0.06 (0.04 is raised to 0.06 to stay monotone).
    // Back in input order: [0.03, 0.06, 0.06, 0.02].
    assert_all_close(&adjust(&[0.01, 0.04, 0.03, 0.005], Correction::Holm), &[0.03, 0.06, 0.06, 0.02]);
    // Capped at 1: ascending 0.4, 0.7, 0.9 scale to 1.2, 1.4, 0.9 -> 1, 1, then max(1, 0.9) = 1.
    assert_all_close(&adjust(&[0.9, 0.4, 0.7], Correction::Holm), &[1.0, 1.0, 1.0]);
    // Ties: 2 * 0.01 = 0.02, then max(0.02, 1 * 0.01) = 0.02 for both.
    assert_all_close(&adjust(&[0.01, 0.01], Correction::Holm), &[0.02, 0.02]);
    assert!(adjust(&[], Correction::Holm).is_empty());
}

#[test]
fn benjamini_hochberg_matches_hand_worked_example() {
    // p = [0.01, 0.04, 0.03, 0.005], m = 4. Ascending with rank i: 0.005 (1), 0.01 (2), 0.03 (3), 0.04 (4).
    // m p / i: 0.02, 0.02, 0.04, 0.04. Running minimum from the largest down: 0.04, 0.04, 0.02, 0.02.
    // Back in input order: [0.02, 0.04, 0.04, 0.02].
    assert_all_close(&adjust(&[0.01, 0.04, 0.03, 0.005], Correction::BenjaminiHochberg), &[0.02, 0.04, 0.04, 0.02]);
    // Monotone step-up: p = [0.04, 0.01, 0.03], m = 3. Ascending 0.01 (1), 0.03 (2), 0.04 (3):
    // m p / i = 0.03, 0.045, 0.04; running minimum from the top: 0.04, min(0.045, 0.04) = 0.04, 0.03.
    assert_all_close(&adjust(&[0.04, 0.01, 0.03], Correction::BenjaminiHochberg), &[0.04, 0.03, 0.04]);
    // Capped at 1: 2 * 0.6 / 1 = 1.2 -> 1 and 0.9, minimum from the top: 0.9, 0.9.
    assert_all_close(&adjust(&[0.6, 0.9], Correction::BenjaminiHochberg), &[0.9, 0.9]);
    assert_all_close(&adjust(&[0.6, 0.9], Correction::None), &[0.6, 0.9]);
}

#[test]
fn correction_names_round_trip() -> Result<()> {
    for correction in [Correction::Holm, Correction::BenjaminiHochberg, Correction::None] {
        assert_eq!(correction.name().parse::<Correction>()?, correction);
    }
    assert!("bonferroni".parse::<Correction>().is_err());
    Ok(())
}

#[test]
fn quantile_interpolates_between_order_statistics() {
    // Type 7: position (n - 1) p = 3 * 0.025 = 0.075 -> 1 + 0.075 * (2 - 1); 3 * 0.975 = 2.925 -> 3 + 0.925.
    let sorted = [1.0, 2.0, 3.0, 4.0];
    assert!(close(quantile_of_sorted(&sorted, 0.025), 1.075));
    assert!(close(quantile_of_sorted(&sorted, 0.975), 3.925));
    assert!(close(quantile_of_sorted(&[5.0], 0.975), 5.0));
}

#[test]
fn exact_small_case() -> Result<()> {
    // Actor 0. A: document 0 has sentences [0.5, 0.5], document 1 [-0.2], document 2 none (it only
    // mentions actor 1, so it takes no part). B: document 3 [0.1, -0.3, 0.2], document 4 [-0.5].
    // mean A = (0.5 + 0.5 - 0.2) / 3 = 0.8 / 3 = 0.26667; mean B = (0.1 - 0.3 + 0.2 - 0.5) / 4 = -0.125;
    // D = 0.8 / 3 + 0.125 = 0.39167.
    // Within sums of squares: A 2 (0.5 - 0.26667)² + (-0.2 - 0.26667)² = 0.32667; B 0.225² + 0.175² +
    // 0.325² + 0.375² = 0.3275; pooled variance (0.32667 + 0.3275) / (3 + 4 - 2) = 0.13083, so
    // d = 0.39167 / sqrt(0.13083) = 1.0828.
    let none = (0.0, 0.0, 0);
    let table = table_of(&[
        [document(&[0.5, 0.5]), document(&[0.9])],
        [document(&[-0.2]), none],
        [none, document(&[-0.9, 0.1])],
        [document(&[0.1, -0.3, 0.2]), document(&[0.3])],
        [document(&[-0.5]), none],
    ]);
    let requests = [Request { a: vec![0, 1, 2], b: vec![3, 4], actor: 0 }];
    let options = CompareOptions { resamples: 20_000, min_sentences: 1, min_documents: 2, ..CompareOptions::default() };
    let outcomes = compare(&table, &requests, &options)?;
    let outcome = &outcomes[0];
    assert_eq!(outcome.a, GroupStats { stance: Some(0.8 / 3.0), sentences: 3, documents: 2 });
    assert!(close(outcome.b.stance.unwrap_or(f64::NAN), -0.125));
    assert_eq!((outcome.b.sentences, outcome.b.documents), (4, 2));
    assert_eq!(outcome.status(), STATUS_OK);
    let test = outcome.test.expect("tested");
    assert!(close(test.difference, 0.8 / 3.0 + 0.125));
    let pooled_sd = ((0.326_666_666_666_666_7 + 0.3275) / 5.0_f64).sqrt();
    assert!(close(test.effect_size.unwrap_or(f64::NAN), test.difference / pooled_sd));
    assert!((test.effect_size.unwrap_or(f64::NAN) - 1.0828).abs() < 1e-4);

    // Permutation: the 6 ways to label 2 of the 4 documents A give |D*| = 0.39167 (observed and its
    // swap), 0.55 ({0, 3} vs {1, 4}: 1/5 + 0.7/2, and its swap), 0.21667 ({0, 4} vs {1, 3}: 0.5/3 +
    // 0.2/4, and its swap): 4 of 6 are at least as extreme, so p -> 2/3 as resamples grow.
    assert!((test.p_value - 2.0 / 3.0).abs() < 0.015, "p = {}", test.p_value);
    // Bootstrap: D* = -0.2 (A draws document 1 twice, B document 3 twice) and D* = 1.0 (document 0
    // twice, document 4 twice) each have probability 1/16 > 2.5%, and they are the extremes.
    assert!(close(test.ci95[0], -0.2) && close(test.ci95[1], 1.0), "ci95 = {:?}", test.ci95);
    assert_eq!((test.rank, test.p_adjusted, test.significant), (1, test.p_value, false));
    Ok(())
}

#[test]
fn not_enough_evidence_is_reported_and_left_out_of_correction_and_ranking() -> Result<()> {
    let sentences = |count: usize, stance: f64| document(&vec![stance; count]);
    let none = (0.0, 0.0, 0);
    let table = table_of(&[
        [sentences(10, 0.4), sentences(5, 0.1)],   // 0
        [sentences(15, 0.3), none],                // 1
        [sentences(12, -0.2), none],               // 2
        [sentences(20, -0.1), sentences(4, 0.2)],  // 3
        [sentences(40, 0.0), none],                // 4
        [none, sentences(30, 0.5)],                // 5
        [sentences(8, 0.35), sentences(30, -0.5)], // 6
    ]);
    let requests = [
        Request { a: vec![0, 1], b: vec![2, 3], actor: 0 }, // tested: 25 vs 32 sentences, 2 documents each
        Request { a: vec![0, 6], b: vec![2, 3], actor: 0 }, // A: 18 sentences < 20
        Request { a: vec![0, 1], b: vec![4, 5], actor: 1 }, // A: one document on actor 1
        Request { a: vec![0, 1], b: vec![2], actor: 1 },    // B: no sentence at all on actor 1
        Request { a: vec![4, 5], b: vec![1, 6], actor: 0 }, // A: one document (5 lacks actor 0)
        Request { a: vec![1, 3], b: vec![2, 6], actor: 0 }, // tested
    ];
    let options = CompareOptions { resamples: TEST_RESAMPLES, min_documents: 2, ..CompareOptions::default() };
    let outcomes = compare(&table, &requests, &options)?;
    let tested: Vec<usize> = (0..outcomes.len()).filter(|&i| outcomes[i].test.is_some()).collect();
    assert_eq!(tested, vec![0, 5]);

    assert_eq!(outcomes[1].status(), STATUS_NOT_ENOUGH_EVIDENCE);
    let stance_a = (table.stance_sum[[0, 0]] + table.stance_sum[[6, 0]]) / 18.0;
    assert_eq!(outcomes[1].a, GroupStats { stance: Some(stance_a), sentences: 18, documents: 2 });
    assert_eq!(outcomes[2].b, GroupStats { stance: Some(0.5), sentences: 30, documents: 1 });
    assert_eq!(outcomes[3].b, GroupStats { stance: None, sentences: 0, documents: 0 });
    assert_eq!((outcomes[4].a.sentences, outcomes[4].a.documents), (40, 1));

    let tests: Vec<Test> = tested.iter().filter_map(|&i| outcomes[i].test).collect();
    let adjusted = adjust(&[tests[0].p_value, tests[1].p_value], Correction::Holm);
    assert_eq!([tests[0].p_adjusted, tests[1].p_adjusted], [adjusted[0], adjusted[1]]);
    // Request 0: 8.5 / 25 - (-2.4 - 2) / 32 = 0.4775; request 5: (4.5 - 2) / 35 - (-2.4 + 2.8) / 20 = 0.0514.
    assert!(close(tests[0].difference, 8.5 / 25.0 + 4.4 / 32.0));
    assert!(close(tests[1].difference, 2.5 / 35.0 - 0.4 / 20.0));
    assert_eq!((tests[0].rank, tests[1].rank), (1, 2));
    Ok(())
}

#[test]
fn effect_size_is_none_without_spread_within_groups() -> Result<()> {
    // Every sentence of A is 0.5 and every sentence of B is -0.5: the pooled within-group variance
    // is 0, so Cohen's d is undefined, while the difference (1.0) is still tested.
    let none = (0.0, 0.0, 0);
    let table = table_of(&[
        [document(&[0.5, 0.5]), none],
        [document(&[0.5, 0.5]), none],
        [document(&[-0.5]), none],
        [document(&[-0.5, -0.5]), none],
    ]);
    let options =
        CompareOptions { resamples: TEST_RESAMPLES, min_sentences: 1, min_documents: 2, ..CompareOptions::default() };
    let outcomes = compare(&table, &[Request { a: vec![0, 1], b: vec![2, 3], actor: 0 }], &options)?;
    let test = outcomes[0].test.expect("tested");
    assert_eq!((test.difference, test.effect_size), (1.0, None));
    Ok(())
}

#[test]
fn invalid_input_is_an_error() {
    let table = DocumentTable::zeros(4, 2);
    let run = |requests: &[Request], options: &CompareOptions| {
        compare(&table, requests, options).map(|_| ()).map_err(|error| error.to_string())
    };
    let options = CompareOptions::default();
    let request = |a: Vec<usize>, b: Vec<usize>, actor: usize| Request { a, b, actor };
    assert!(run(&[request(vec![0], vec![4], 0)], &options).unwrap_err().contains("row 4 is out of range"));
    assert!(run(&[request(vec![0], vec![1], 2)], &options).unwrap_err().contains("actor 2 is out of range"));
    assert!(run(&[request(vec![0, 1], vec![1], 0)], &options).unwrap_err().contains("in both group A and group B"));
    assert!(run(&[request(vec![0, 0], vec![1], 0)], &options).unwrap_err().contains("appears twice in group A"));
    // The membership marks of one request do not leak into the next.
    assert!(run(&[request(vec![0], vec![1], 0), request(vec![1], vec![0], 0)], &options).is_ok());
    let no_resamples = CompareOptions { resamples: 0, ..CompareOptions::default() };
    assert!(run(&[], &no_resamples).unwrap_err().contains("resamples"));
    let bad_alpha = CompareOptions { alpha: 0.0, ..CompareOptions::default() };
    assert!(run(&[], &bad_alpha).unwrap_err().contains("alpha"));

    let mut ragged = DocumentTable::zeros(4, 2);
    ragged.square_sum = Array2::zeros((3, 2));
    assert!(compare(&ragged, &[], &options).unwrap_err().to_string().contains("differ in shape"));
    let mut infinite = DocumentTable::zeros(4, 2);
    infinite.sentences[[2, 1]] = 3;
    infinite.stance_sum[[2, 1]] = f64::INFINITY;
    let error = compare(&infinite, &[request(vec![2], vec![3], 1)], &options).unwrap_err().to_string();
    assert!(error.contains("not finite"), "{error}");
}

#[test]
fn false_positive_rate_is_nominal_under_document_random_effects() -> Result<()> {
    // 1000 null datasets: both groups from the same generator, 15..=40 documents each.
    const DATASETS: usize = 1000;
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_607);
    let mut corpus = SyntheticCorpus::default();
    let requests: Vec<Request> = (0..DATASETS)
        .map(|_| {
            let (size_a, size_b) = (rng.gen_range(15..=40), rng.gen_range(15..=40));
            Request { a: corpus.add_group(size_a, 0.0, &mut rng), b: corpus.add_group(size_b, 0.0, &mut rng), actor: 0 }
        })
        .collect();
    let outcomes = compare(&corpus.table(), &requests, &simulation_options())?;
    let tests: Vec<Test> = outcomes.iter().filter_map(|outcome| outcome.test).collect();
    assert_eq!(tests.len(), DATASETS, "every null dataset has enough evidence");
    let rate = |count: usize| count as f64 / DATASETS as f64;
    let false_positive_rate = rate(tests.iter().filter(|test| test.significant).count());
    let coverage = rate(tests.iter().filter(|test| covers(test, 0.0)).count());
    let naive_rate = rate(requests.iter().filter(|request| corpus.naive_sentence_test_rejects(request)).count());
    println!(
        "null, {DATASETS} datasets: cluster permutation test rejects {false_positive_rate:.3} at 0.05; \
         naive sentence-level z test rejects {naive_rate:.3}; bootstrap 95% interval covers 0 in {coverage:.3}"
    );
    // Binomial(1000, 0.05) has SD 0.0069: the band is about ±2.9 SD.
    assert!((0.03..=0.07).contains(&false_positive_rate), "false positive rate {false_positive_rate}");
    assert!(coverage >= 0.88, "null coverage {coverage}");
    // The generator is clustered enough that ignoring documents would mislead.
    assert!(naive_rate > 0.10, "naive rate {naive_rate}");
    Ok(())
}

#[test]
fn planted_difference_is_detected_and_covered() -> Result<()> {
    // 1000 datasets, 30 documents per group, true means +0.125 and -0.125: a difference of 0.25.
    const DATASETS: usize = 1000;
    const TRUTH: f64 = 0.25;
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut corpus = SyntheticCorpus::default();
    let requests: Vec<Request> = (0..DATASETS)
        .map(|_| Request {
            a: corpus.add_group(30, TRUTH / 2.0, &mut rng),
            b: corpus.add_group(30, -TRUTH / 2.0, &mut rng),
            actor: 0,
        })
        .collect();
    let outcomes = compare(&corpus.table(), &requests, &simulation_options())?;
    let tests: Vec<Test> = outcomes.iter().filter_map(|outcome| outcome.test).collect();
    assert_eq!(tests.len(), DATASETS);
    let power = tests.iter().filter(|test| test.significant).count() as f64 / DATASETS as f64;
    let coverage = tests.iter().filter(|test| covers(test, TRUTH)).count() as f64 / DATASETS as f64;
    let mean_effect = tests.iter().filter_map(|test| test.effect_size).sum::<f64>() / DATASETS as f64;
    println!(
        "planted 0.25, {DATASETS} datasets of 30 + 30 documents: detected {power:.3} at 0.05; \
         bootstrap 95% interval covers 0.25 in {coverage:.3}; mean Cohen's d {mean_effect:.2}"
    );
    assert!(power >= 0.90, "power {power}");
    assert!(coverage >= 0.88, "coverage {coverage}");
    Ok(())
}

#[test]
fn results_do_not_depend_on_thread_count() -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut corpus = SyntheticCorpus::default();
    let requests: Vec<Request> = (0..40)
        .map(|i| {
            let (size_a, size_b) = (rng.gen_range(1..=60), rng.gen_range(1..=60));
            let shift = if i % 3 == 0 { 0.1 } else { 0.0 };
            Request {
                a: corpus.add_group(size_a, shift, &mut rng),
                b: corpus.add_group(size_b, 0.0, &mut rng),
                actor: 0,
            }
        })
        .collect();
    let table = corpus.table();
    let options =
        CompareOptions { resamples: 1000, correction: Correction::BenjaminiHochberg, ..CompareOptions::default() };
    let run_with = |threads: usize| -> Result<String> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        // Debug prints every f64 in its shortest round-trip form, so equal text means equal bits.
        Ok(format!("{:?}", pool.install(|| compare(&table, &requests, &options))?))
    };
    let single = run_with(1)?;
    assert_eq!(single, run_with(2)?);
    assert_eq!(single, run_with(3)?);
    let outcomes = compare(&table, &requests, &options)?;
    assert!(outcomes.iter().any(|outcome| outcome.test.is_none()) && outcomes.iter().any(|o| o.test.is_some()));
    let reseeded = compare(&table, &requests, &CompareOptions { seed: 2, ..options.clone() })?;
    assert_ne!(format!("{outcomes:?}"), format!("{reseeded:?}"), "the seed matters");
    Ok(())
}

/// Each group against the rest (`stance compare --vs-rest`), made through [`compare_each`] as the
/// command makes it: 200 null data sets of 10 groups (8-30 documents each) give 2,000 tests, of
/// which about 5% reject at 0.05 uncorrected; a group planted 0.25 above the other nine (30
/// documents) is found in most data sets. Figures print with `--nocapture`.
#[test]
fn each_group_against_the_rest_holds_its_level_and_finds_a_planted_group() -> Result<()> {
    const DATASETS: usize = 200;
    const GROUPS: usize = 10;
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let run = |planted: f64, rng: &mut ChaCha8Rng| -> Result<Vec<Outcome>> {
        let mut corpus = SyntheticCorpus::default();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut contrasts: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        for _ in 0..DATASETS {
            let first = groups.len();
            for g in 0..GROUPS {
                let (size, center) =
                    if g == 0 && planted != 0.0 { (30, planted) } else { (rng.gen_range(8..=30), 0.0) };
                groups.push(corpus.add_group(size, center - planted / GROUPS as f64, rng));
            }
            for g in first..first + GROUPS {
                let rest: Vec<usize> =
                    (first..first + GROUPS).filter(|&o| o != g).flat_map(|o| groups[o].clone()).collect();
                contrasts.push((groups[g].clone(), rest));
            }
        }
        let table = corpus.table();
        let request = |i: usize| Cow::Owned(Request { a: contrasts[i].0.clone(), b: contrasts[i].1.clone(), actor: 0 });
        let options = CompareOptions { min_documents: 5, min_sentences: 10, ..simulation_options() };
        compare_each(&table, contrasts.len(), request, &options)
    };
    let null = run(0.0, &mut rng)?;
    let tests: Vec<Test> = null.iter().filter_map(|o| o.test).collect();
    assert!(tests.len() >= DATASETS * GROUPS * 9 / 10, "most null groups are tested: {}", tests.len());
    let rate = tests.iter().filter(|t| t.significant).count() as f64 / tests.len() as f64;
    let planted = run(0.25, &mut rng)?;
    let firsts: Vec<Test> = planted.iter().step_by(GROUPS).filter_map(|o| o.test).collect();
    let power = firsts.iter().filter(|t| t.significant && t.difference > 0.0).count() as f64 / firsts.len() as f64;
    let others: Vec<Test> =
        planted.iter().enumerate().filter(|(i, _)| i % GROUPS != 0).filter_map(|(_, o)| o.test).collect();
    println!(
        "each group against the rest, {} null tests (10 groups of 8-30 documents): {rate:.3} reject at 0.05; \
         a group planted 0.25 above nine others (30 documents) found in {power:.3} of {DATASETS} data sets",
        tests.len()
    );
    // Binomial(about 2,000, 0.05) has SD 0.005; the band is about ±3 SD, wider for the dependence
    // between tests that share documents.
    assert!((0.03..=0.07).contains(&rate), "false positive rate {rate}");
    assert!(power >= 0.80, "power {power}");
    assert!(!others.is_empty());
    Ok(())
}
