//! The systemd unit of `docs/deploy.md` is one systemd accepts.

use std::process::Command;

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/scorenow.service"
    ))
    .expect("deploy/scorenow.service");
    // `verify` also checks that ExecStart names an executable: point it at
    // the binary these tests built rather than the installed path.
    let installed = "/opt/scorenow/bin/scorenow";
    assert!(unit.contains(&format!("ExecStart={installed}\n")));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scorenow.service");
    std::fs::write(
        &path,
        unit.replace(installed, env!("CARGO_BIN_EXE_scorenow")),
    )
    .unwrap();
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian's systemd package) runs");
    let complaints = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && complaints.trim().is_empty(),
        "systemd-analyze verify: {complaints}"
    );
}
