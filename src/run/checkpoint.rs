//! `--checkpoint DIR`: a long run that survives being killed. The run writes a partial
//! (src/output/partial.rs) into `DIR/partial.jsonl` as it goes and, every N documents at a chunk
//! boundary, saves `DIR/state.json`: how many records are done, how many bytes of the partial hold
//! them, and the totals so far. Started again with the same command, the run cuts the partial back to the
//! saved length, skips the records done and goes on; at the end the partial is merged into the
//! output. So nothing is lost or counted twice, and since chunks start at the same records, the
//! output is the bytes of an uninterrupted run.
//!
//! Each input file's identity (path, size, modification time and a hash of its bytes, folders
//! walked) is saved in the state and checked when the run starts again: a file changed, added or
//! removed since is refused by name, since the records done would no longer be those of the input.
//!
//! Invariant: `state.json` is replaced atomically (written beside, synced, renamed) and only after
//! the partial's bytes it names are synced, so the state on disk always describes a prefix of the
//! partial on disk.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::aggregate::totals::{Totals, TotalsSnapshot};
use crate::output::line::{Line, LineKind};
use crate::output::{DocumentReport, Sink};

/// 2: the state names each input file's identity (`inputs`).
pub const CHECKPOINT_VERSION: u32 = 2;
/// Documents between checkpoints unless `--checkpoint-every` says otherwise.
pub const DEFAULT_CHECKPOINT_EVERY: usize = 10_000;

/// What `state.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointState {
    pub version: u32,
    /// Fingerprint of the command (inputs, options, model, actors): a checkpoint resumes only
    /// the command that made it.
    pub command: String,
    /// Records done (documents and failures).
    pub records: usize,
    /// Bytes of `partial.jsonl` that hold them.
    pub bytes: u64,
    /// Whether the partial is whole (its totals line written).
    pub complete: bool,
    /// The totals of the records done (none once the partial is whole: its last line has them).
    pub totals: Option<TotalsSnapshot>,
    /// The input files as they were when the run started, in reading order.
    #[serde(default)]
    pub inputs: Vec<InputIdentity>,
}

/// One input file as a checkpoint knows it: a run resumes only on the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputIdentity {
    pub path: String,
    pub size: u64,
    /// Modification time, nanoseconds since 1970 (none where the file system has none).
    pub modified: Option<String>,
    /// 64-bit FNV-1a of the file's bytes (as stored: a `.gz` file's compressed bytes).
    pub hash: String,
}

impl InputIdentity {
    /// Reads `path` whole (in blocks) for its hash.
    pub fn of(path: &Path) -> Result<InputIdentity> {
        let name = path.display();
        // Not opened before it is known to be a file: opening a FIFO waits for its writer.
        let meta = std::fs::metadata(path).with_context(|| format!("{name}: cannot read"))?;
        if !meta.is_file() {
            // A FIFO or a device (`<(cmd)`) cannot be read twice: reading it for a hash would
            // take its records from the run. It is known by its path alone.
            return Ok(InputIdentity {
                path: path.display().to_string(),
                size: 0,
                modified: None,
                hash: String::new(),
            });
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos().to_string());
        let mut f = File::open(path).with_context(|| format!("{name}: cannot open"))?;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf).with_context(|| format!("{name}: cannot read"))?;
            if n == 0 {
                break;
            }
            for &b in &buf[..n] {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Ok(InputIdentity { path: path.display().to_string(), size: meta.len(), modified, hash: format!("{h:016x}") })
    }

    /// The identities of `files`, in order.
    pub fn of_all(files: &[PathBuf]) -> Result<Vec<InputIdentity>> {
        files.iter().map(|p| InputIdentity::of(p)).collect()
    }
}

/// Refuses a resume when an input file changed, appeared or went away since `saved`.
fn check_inputs(dir: &Path, saved: &[InputIdentity], now: &[InputIdentity]) -> Result<()> {
    let again = "remove the checkpoint folder or give another --checkpoint to start over";
    for (i, s) in saved.iter().enumerate() {
        let Some(n) = now.get(i) else {
            bail!("{}: gone since the checkpoint in {} was saved; {again}", s.path, dir.display());
        };
        if n.path != s.path {
            let (gone, new) = (now.iter().all(|x| x.path != s.path), saved.iter().all(|x| x.path != n.path));
            if new {
                bail!("{}: added since the checkpoint in {} was saved; {again}", n.path, dir.display());
            }
            if gone {
                bail!("{}: gone since the checkpoint in {} was saved; {again}", s.path, dir.display());
            }
            bail!("{}: read in another order than when the checkpoint in {} was saved; {again}", n.path, dir.display());
        }
        let what = if n.size != s.size {
            Some(format!("{} bytes, {} when saved", n.size, s.size))
        } else if n.hash != s.hash {
            Some("other content".to_string())
        } else if n.modified != s.modified {
            Some("another modification time".to_string())
        } else {
            None
        };
        if let Some(what) = what {
            bail!("{}: changed since the checkpoint in {} was saved ({what}); {again}", s.path, dir.display());
        }
    }
    if let Some(n) = now.get(saved.len()) {
        bail!("{}: added since the checkpoint in {} was saved; {again}", n.path, dir.display());
    }
    Ok(())
}

/// An open checkpoint folder.
pub struct Checkpoint {
    dir: PathBuf,
    command: String,
    inputs: Vec<InputIdentity>,
    every: usize,
    last_saved: usize,
    /// Holds the folder's lock while the checkpoint is open.
    _lock: File,
}

impl Checkpoint {
    /// Opens (creating) `dir` for the command with fingerprint `command` over the input files
    /// `inputs`; returns the saved state if there is one. A state of another command, or of input
    /// files that changed since, is refused.
    ///
    /// The folder is locked first (an advisory lock on `DIR/lock`, held until the checkpoint is
    /// dropped), so a second run on it is refused rather than writing the same partial; `inputs`
    /// is called under the lock.
    pub fn open(
        dir: &Path,
        command: String,
        inputs: impl FnOnce() -> Result<Vec<InputIdentity>>,
        every: usize,
    ) -> Result<(Checkpoint, Option<CheckpointState>)> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the checkpoint folder", dir.display()))?;
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("{}: cannot create", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "{}: the checkpoint folder is in use by another stance run (it holds {}); \
                 wait for that run to finish, or give another --checkpoint",
                dir.display(),
                lock_path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("{}: cannot lock", lock_path.display()))
            }
        }
        let inputs = inputs()?;
        let state_path = dir.join("state.json");
        let state = if state_path.exists() {
            let text = std::fs::read_to_string(&state_path)
                .with_context(|| format!("{}: cannot read", state_path.display()))?;
            let state: CheckpointState = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a checkpoint of this stance", state_path.display()))?;
            if state.version != CHECKPOINT_VERSION {
                bail!(
                    "{}: a checkpoint of version {} (this stance keeps {CHECKPOINT_VERSION}); \
                     remove the folder or give another --checkpoint",
                    dir.display(),
                    state.version
                );
            }
            if state.command != command {
                bail!(
                    "{}: this checkpoint was made by another command (other inputs, options, model or actors); \
                     remove the folder or give another --checkpoint",
                    dir.display()
                );
            }
            check_inputs(dir, &state.inputs, &inputs)?;
            Some(state)
        } else {
            None
        };
        let last_saved = state.as_ref().map_or(0, |s| s.records);
        Ok((
            Checkpoint { dir: dir.to_path_buf(), command, inputs, every: every.max(1), last_saved, _lock: lock },
            state,
        ))
    }

    /// Where the partial goes.
    pub fn partial_path(&self) -> PathBuf {
        self.dir.join("partial.jsonl")
    }

    /// The partial opened for writing: cut back to the saved length and appended to, or new.
    pub fn partial_file(&self, state: Option<&CheckpointState>) -> Result<File> {
        let path = self.partial_path();
        let name = path.display();
        match state {
            Some(s) => {
                let f = OpenOptions::new().write(true).open(&path).with_context(|| format!("{name}: cannot open"))?;
                let len = f.metadata()?.len();
                if len < s.bytes {
                    bail!("{name}: {len} bytes, shorter than the {} the checkpoint saved", s.bytes);
                }
                f.set_len(s.bytes).with_context(|| format!("{name}: cannot cut back to the checkpoint"))?;
                drop(f);
                OpenOptions::new().append(true).open(&path).with_context(|| format!("{name}: cannot open"))
            }
            None => File::create(&path).with_context(|| format!("{name}: cannot create")),
        }
    }

    /// The ids of the documents in the partial (after [`Checkpoint::partial_file`] cut it back).
    pub fn document_ids(&self) -> Result<Vec<String>> {
        let path = self.partial_path();
        let mut ids = Vec::new();
        for (i, line) in BufReader::new(File::open(&path)?).lines().enumerate() {
            let line = line?;
            let l: Line<serde_json::Value> =
                serde_json::from_str(&line).with_context(|| format!("{}:{}", path.display(), i + 1))?;
            if l.kind == LineKind::Document {
                let d: DocumentReport = serde_json::from_value(l.data)?;
                ids.push(d.id);
            }
        }
        Ok(ids)
    }

    /// Saves the state when `every` records have passed since the last save.
    pub fn after_chunk(&mut self, totals: &Totals, sink: &mut dyn Sink) -> Result<()> {
        if totals.summary.records - self.last_saved >= self.every {
            let snapshot = totals.snapshot();
            let records = snapshot.summary.records;
            self.save(Some(snapshot), records, sink)?;
        }
        Ok(())
    }

    /// Marks the partial whole (after the run's sink finished it).
    pub fn complete(&mut self, records: usize, sink: &mut dyn Sink) -> Result<()> {
        self.save(None, records, sink)
    }

    /// Flushes the sink, syncs the partial, and replaces `state.json` (`totals` None: complete).
    fn save(&mut self, totals: Option<TotalsSnapshot>, records: usize, sink: &mut dyn Sink) -> Result<()> {
        let path = self.partial_path();
        let cannot = |what: &str, p: &Path| format!("{}: cannot {what} (is the disk full?)", p.display());
        sink.flush().with_context(|| cannot("write", &path))?;
        let partial = File::open(&path).with_context(|| cannot("open", &path))?;
        partial.sync_all().with_context(|| cannot("sync", &path))?;
        let bytes = partial.metadata().with_context(|| cannot("read", &path))?.len();
        let complete = totals.is_none();
        let state = CheckpointState {
            version: CHECKPOINT_VERSION,
            command: self.command.clone(),
            records,
            bytes,
            complete,
            totals,
            inputs: self.inputs.clone(),
        };
        let tmp = self.dir.join("state.json.tmp");
        let mut f = File::create(&tmp).with_context(|| format!("{}: cannot write", tmp.display()))?;
        serde_json::to_writer(&mut f, &state).with_context(|| cannot("write", &tmp))?;
        f.write_all(b"\n").with_context(|| cannot("write", &tmp))?;
        f.sync_all().with_context(|| cannot("sync", &tmp))?;
        std::fs::rename(&tmp, self.dir.join("state.json")).with_context(|| cannot("rename", &tmp))?;
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        self.last_saved = records;
        Ok(())
    }
}
