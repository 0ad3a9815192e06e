//! The stages of a run side by side: the calling thread reads jobs and consumes results, in input
//! order, while worker threads do the work in between (segmenting, matching, tokenizing, the
//! model). So reading and writing overlap the model, and with several model workers one worker's
//! CPU stages overlap another's model pass, with no barrier at chunk boundaries. The workers are
//! the scorer's model workers (each starts with [`crate::score::SentenceScorer::start_worker`]),
//! so the pool lives with the scorer, below both of its drivers: `stance analyze`
//! ([`crate::run::analyze`]) and `stance score` ([`crate::score::lines`]).
//!
//! Invariant: results are consumed exactly in job order, whatever order the workers finish in;
//! at most `window` jobs are read ahead of the one being consumed, so memory stays bounded; the
//! first error, whether from reading, from a job or from consuming, ends the run after every
//! earlier job has been consumed (an error from reading or from a job) or at once (from consuming).

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use std::sync::Mutex;

use anyhow::{anyhow, Result};

/// Runs `work` on `workers` threads over the jobs `next_job` yields, and hands each result to
/// `consume` in job order, on the calling thread. `start(worker)` runs first on each worker thread
/// (to set per-thread state such as libtorch's thread count). `window` bounds the jobs read but not
/// yet consumed (at least `workers`).
pub fn ordered<J: Send, R: Send>(
    workers: usize,
    window: usize,
    start: impl Fn(usize) + Sync,
    mut next_job: impl FnMut() -> Result<Option<J>>,
    work: impl Fn(usize, J) -> Result<R> + Sync,
    mut consume: impl FnMut(R) -> Result<()>,
) -> Result<()> {
    let workers = workers.max(1);
    let window = window.max(workers);
    let (job_tx, job_rx) = sync_channel::<(usize, J)>(window);
    let job_rx = Mutex::new(job_rx);
    let (result_tx, result_rx) = channel::<(usize, Result<R>)>();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for w in 0..workers {
            let (job_rx, result_tx, stop, start, work) = (&job_rx, result_tx.clone(), &stop, &start, &work);
            scope.spawn(move || {
                start(w);
                loop {
                    // The lock is held only while taking a job, not while working on it.
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, job)) = job else { return };
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let result = catch_unwind(AssertUnwindSafe(|| work(w, job)))
                        .unwrap_or_else(|_| Err(anyhow!("a worker thread panicked")));
                    if result_tx.send((index, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(result_tx);
        let outcome = (|| -> Result<()> {
            let (mut read, mut consumed) = (0usize, 0usize);
            let mut read_error = None;
            let mut exhausted = false;
            let mut done: BTreeMap<usize, Result<R>> = BTreeMap::new();
            loop {
                while !exhausted && read - consumed < window {
                    match next_job() {
                        Ok(Some(job)) => {
                            job_tx.send((read, job)).map_err(|_| anyhow!("every worker thread has stopped"))?;
                            read += 1;
                        }
                        Ok(None) => exhausted = true,
                        Err(e) => {
                            read_error = Some(e);
                            exhausted = true;
                        }
                    }
                }
                if consumed == read {
                    return read_error.map_or(Ok(()), Err);
                }
                while !done.contains_key(&consumed) {
                    let (index, result) = result_rx.recv().map_err(|_| anyhow!("every worker thread has stopped"))?;
                    done.insert(index, result);
                }
                let result = done.remove(&consumed).expect("waited for it");
                consumed += 1;
                consume(result?)?;
            }
        })();
        // Whatever happened, let the workers go: no more jobs, and no one to take results.
        stop.store(true, Ordering::Relaxed);
        drop(job_tx);
        drop(result_rx);
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Jobs 0..n, read one by one; `fail_read_at` makes reading fail there.
    fn jobs(n: usize, fail_read_at: Option<usize>) -> impl FnMut() -> Result<Option<usize>> {
        let mut i = 0;
        move || {
            if Some(i) == fail_read_at {
                return Err(anyhow!("bad record {i}"));
            }
            i += 1;
            Ok((i <= n).then_some(i - 1))
        }
    }

    #[test]
    fn results_come_in_job_order_whatever_the_finishing_order() {
        for workers in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            ordered(
                workers,
                4,
                |_| {},
                jobs(50, None),
                |_, j| {
                    // Later jobs finish sooner.
                    std::thread::sleep(std::time::Duration::from_micros(((50 - j) * 20) as u64));
                    Ok(j * 10)
                },
                |r| {
                    seen.push(r);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, (0..50).map(|j| j * 10).collect::<Vec<_>>(), "{workers} workers");
        }
    }

    #[test]
    fn no_more_than_the_window_is_read_ahead() {
        let read = AtomicUsize::new(0);
        let mut consumed = 0;
        let mut next = jobs(40, None);
        ordered(
            3,
            5,
            |_| {},
            || {
                let j = next()?;
                if j.is_some() {
                    read.fetch_add(1, Ordering::SeqCst);
                }
                Ok(j)
            },
            |_, j| Ok(j),
            |_| {
                consumed += 1;
                let ahead = read.load(Ordering::SeqCst) - consumed;
                assert!(ahead < 5, "{ahead} jobs read beyond the one consumed");
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(consumed, 40);
    }

    #[test]
    fn a_read_error_comes_after_every_earlier_job_is_consumed() {
        let mut seen = Vec::new();
        let e = ordered(
            2,
            4,
            |_| {},
            jobs(50, Some(7)),
            |_, j| Ok(j),
            |r| {
                seen.push(r);
                Ok(())
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "bad record 7");
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn a_job_error_or_panic_stops_the_run_at_that_job() {
        for panics in [false, true] {
            let mut seen = Vec::new();
            let e = ordered(
                2,
                4,
                |_| {},
                jobs(50, None),
                |_, j| {
                    if j == 5 {
                        if panics {
                            panic!("boom");
                        }
                        return Err(anyhow!("job 5 failed"));
                    }
                    Ok(j)
                },
                |r| {
                    seen.push(r);
                    Ok(())
                },
            )
            .unwrap_err();
            let want = if panics { "a worker thread panicked" } else { "job 5 failed" };
            assert_eq!(e.to_string(), want);
            assert_eq!(seen, (0..5).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_consume_error_ends_the_run_and_every_worker_starts_once() {
        let started = AtomicUsize::new(0);
        let e = ordered(
            3,
            6,
            |_| {
                started.fetch_add(1, Ordering::SeqCst);
            },
            jobs(1000, None),
            |_, j| Ok(j),
            |r| if r == 3 { Err(anyhow!("disk full")) } else { Ok(()) },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(started.load(Ordering::SeqCst), 3);
    }
}
