//! Several production `scorenow` replicas on one database (one data
//! directory, or its PostgreSQL database: see `database.rs`), as behind a
//! load balancer, and the standalone ServiceNow simulator they use.

use super::{TestServer, free_port, scorenow};

/// The first admin of every cluster.
pub const ADMIN: &str = "owner@scorenow.test";
/// [`ADMIN`]'s password.
pub const PASSWORD: &str = "a long and secret passphrase";

/// Replicas sharing one database, and their simulator.
pub struct Cluster {
    simulator: TestServer,
    /// The replicas by number; `None` while crashed.
    replicas: Vec<Option<TestServer>>,
    addresses: Vec<String>,
    database: tempfile::TempDir,
}

impl Cluster {
    /// `count` replicas on fixed addresses (so that one restarts where it
    /// was), the first one's callback registered at the simulator.
    pub fn start(count: usize) -> Self {
        let addresses: Vec<String> = (0..count)
            .map(|_| format!("127.0.0.1:{}", free_port()))
            .collect();
        let simulator = TestServer::start_simulator(&[
            "--redirect-uri",
            &format!("http://{}/servicenow/callback", addresses[0]),
        ]);
        let mut cluster = Self {
            simulator,
            replicas: Vec::new(),
            addresses,
            database: tempfile::tempdir().expect("tempdir"),
        };
        cluster.replicas = (0..count).map(|n| Some(cluster.start_replica(n))).collect();
        cluster
    }

    /// Starts replica `n` on its address.
    fn start_replica(&self, n: usize) -> TestServer {
        let instance_host = self.simulator().trim_start_matches("http://");
        let mut command = scorenow();
        command.args(["--servicenow-sim-addr", "off"]);
        command.args(["--allowed-instance-hosts", instance_host]);
        command.args(["--admin-email", ADMIN, "--admin-password", PASSWORD]);
        command.args(["--unknown-outcome-wait-secs", super::UNKNOWN_OUTCOME_WAIT]);
        TestServer::start_command_at(command, &self.addresses[n], Some(self.database.path()))
    }

    /// Replica `n`, which must be running.
    pub fn replica(&self, n: usize) -> &TestServer {
        self.replicas[n].as_ref().expect("a running replica")
    }

    /// Kills replica `n` with SIGKILL, as a crash would.
    pub fn crash(&mut self, n: usize) {
        self.replicas[n].take().expect("a running replica").kill();
    }

    /// Starts crashed replica `n` again, on its address.
    pub fn restart(&mut self, n: usize) {
        self.replicas[n] = Some(self.start_replica(n));
    }

    /// The simulator's base URL.
    pub fn simulator(&self) -> &str {
        &self.simulator.base_url
    }
}
