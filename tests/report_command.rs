//! `stance report` as a user runs it: `-o` writes the page as the other outputs are written.

use std::process::Command;

/// Issue 18, item 10: `report -o` wrote straight into the path (a full disk left a page that looked
/// finished) and through a symlink into the file it points at. Now the page is written beside the
/// path and renamed into place: the symlink is replaced, its target is untouched, and no temporary
/// file is left.
#[test]
fn report_output_is_written_then_renamed_not_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let analysis = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/page-analysis.json");
    let target = dir.path().join("elsewhere.html");
    std::fs::write(&target, "keep me").unwrap();
    let link = dir.path().join("page.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_stance")).arg("report").arg(&analysis).arg("-o").arg(&link).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&target).unwrap() == "keep me", "wrote through the symlink into its target");
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_file(), "the symlink is replaced by the page");
    let page = std::fs::read_to_string(&link).unwrap();
    assert!(page.starts_with("<!") && page.trim_end().ends_with("</html>"), "a whole page");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "a temporary file is left: {names:?}");
}
