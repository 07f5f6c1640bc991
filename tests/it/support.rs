//! `refarch support`: human and JSON verdicts, exit statuses, bad input.

use crate::site_test::SiteTest;

#[test]
fn a_supported_configuration_exits_0_with_its_size() {
    let run = SiteTest::example().run(&[
        "support",
        "--method",
        "helm",
        "--provider",
        "aws",
        "--environment",
        "prod",
        "--release",
        "7.6",
        "--kubernetes",
        "1.31",
        "--arch",
        "amd64",
        "--users",
        "3000",
        "--repositories",
        "20000",
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("SUPPORTED: "), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "Reference size: m (Medium), the smallest that fits 3000 users, 20000 repositories"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("exception"),
        "no exception process when supported"
    );
}

#[test]
fn caveats_exit_3_and_name_the_rule_and_its_source() {
    let run = SiteTest::example().run(&["support", "--method", "kustomize", "--provider", "gcp"]);
    assert_eq!(run.status, 3, "{}", run.stdout);
    assert!(run.stdout.starts_with("DEPRECATED: "), "{}", run.stdout);
    assert!(run.stdout.contains("method-kustomize"));
    assert!(
        run.stdout
            .contains("source: https://sourcegraph.com/docs/self-hosted/deploy/kubernetes/upgrade")
    );
    assert!(
        run.stdout
            .contains("  method: helm, docker-compose, docker-single, machine-image, cloud"),
        "{}",
        run.stdout
    );
}

#[test]
fn not_supported_exits_4_with_the_exception_checklist() {
    let run = SiteTest::example().run(&[
        "support",
        "--method",
        "kustomize",
        "--provider",
        "azure",
        "--environment",
        "prod",
        "--arch",
        "arm64",
        "--external",
        "postgres=14",
        "--release",
        "7.6",
        "--users",
        "8000",
    ]);
    assert_eq!(run.status, 4, "{}", run.stdout);
    assert!(run.stdout.starts_with("INCOMPATIBLE: "), "{}", run.stdout);
    assert!(run.stdout.contains("external-postgres-below-16"));
    assert!(
        run.stdout.contains("  arch: amd64"),
        "the alternative to arm64: {}",
        run.stdout
    );
    assert!(run.stdout.contains("Engage: Engineering"), "{}", run.stdout);
    assert!(
        run.stdout.contains("1. Can the work be done by CE PS"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Reference size: l (Large)"),
        "{}",
        run.stdout
    );
}

#[test]
fn contact_support_beyond_the_largest_size_exits_3() {
    let run = SiteTest::example().run(&["support", "--users", "25000"]);
    assert_eq!(run.status, 3, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("contact support: users 25000 is beyond the largest size, xl (up to 20000)"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_carries_every_field_of_the_verdict() {
    let run = SiteTest::example().run(&[
        "support",
        "--format",
        "json",
        "--method",
        "docker-single",
        "--environment",
        "prod",
        "--feature",
        "batch-changes",
        "--external",
        "object-storage",
        "--kubernetes",
        "1.40",
    ]);
    assert_eq!(run.status, 4, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["status"], "not-for-production");
    assert_eq!(json["rules"][0]["id"], "single-container-production");
    assert_eq!(
        json["rules"][0]["source"],
        "https://example.internal/rfc/263"
    );
    assert_eq!(
        json["undocumented"][0],
        serde_json::json!({"dimension": "kubernetes", "value": "1.40"})
    );
    assert_eq!(json["sizing"]["result"], "not-given");
    assert_eq!(json["requirements"]["external"]["object-storage"], true);
    assert!(json["exception"]["questions"].as_array().unwrap().len() == 5);
    assert_eq!(
        json["command"],
        "refarch support --method docker-single --environment prod --kubernetes 1.40 --feature batch-changes --external object-storage"
    );
}

#[test]
fn a_requirements_file_gives_the_same_verdict_as_flags() {
    let test = SiteTest::example();
    test.write("wants.toml", "method = \"helm\"\nprovider = \"aws\"\nexternal = { postgres = \"15\" }\nrelease = \"7.5\"\n");
    let from_file = test.run(&[
        "support",
        "--format",
        "json",
        "--file",
        test.path().join("wants.toml").to_str().unwrap(),
    ]);
    let from_flags = test.run(&[
        "support",
        "--format",
        "json",
        "--method",
        "helm",
        "--provider",
        "aws",
        "--external",
        "postgres=15",
        "--release",
        "7.5",
    ]);
    assert_eq!(from_file.status, 4);
    assert_eq!(from_file.stdout, from_flags.stdout);
}

#[test]
fn an_unknown_id_exits_2_with_the_nearest_and_the_list() {
    let run = SiteTest::example().run(&["support", "--method", "kustomise"]);
    assert_eq!(run.status, 2);
    assert_eq!(
        run.stderr.trim(),
        "error: unknown method `kustomise`; did you mean `kustomize`? (known: helm, kustomize, docker-compose, docker-single, machine-image, pure-docker, cloud)"
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn malformed_values_and_files_exit_2() {
    let test = SiteTest::example();
    let run = test.run(&["support", "--release", "seven"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("--release: `seven` is not a version"),
        "{}",
        run.stderr
    );

    test.write("wants.toml", "method = \"helm\"\nuser = 3000\n");
    let run = test.run(&[
        "support",
        "--file",
        test.path().join("wants.toml").to_str().unwrap(),
    ]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr
            .contains("error[E011]: unknown key `user` at the top level"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `users`?"),
        "{}",
        run.stderr
    );

    let run = test.run(&["support", "--users", "many"]);
    assert_eq!(run.status, 2, "clap refuses a non-number");
}

#[test]
fn an_unknown_release_is_refused_not_called_undocumented() {
    let run = SiteTest::example().run(&["support", "--release", "8.1"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("unknown release `8.1`"),
        "{}",
        run.stderr
    );
}
