//! Every test runs on SQLite and on the machine's PostgreSQL.

use super::*;

async fn both<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    );
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.kind(), Kind::Sqlite);
    f(store.clone()).await;
    store.close().await;

    let url = testing::scratch_postgres().await.unwrap();
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.kind(), Kind::Postgres);
    f(store.clone()).await;
    store.close().await;
    testing::drop_postgres(&url).await.unwrap();
}

fn result(n: usize, achievement: &str) -> NewResult {
    NewResult {
        key: format!("key-{n}-{achievement}"),
        email: format!("s{n}@school.example"),
        name: format!("Student {n}"),
        achievement: achievement.into(),
        award_date: "2026-06-30".into(),
        result: None,
        evidence: None,
    }
}

/// A pending result as signed, with a stand-in leaf and body.
fn signed(p: &Pending, leaf_hash: String) -> Signed {
    Signed {
        id: p.credential_id.clone(),
        result_id: p.id.clone(),
        position: p.position,
        status_index: p.status_index,
        achievement: p.achievement.clone(),
        email: p.email.clone(),
        name: p.name.clone(),
        leaf_hash,
        body: "{}".into(),
    }
}

fn fresh() -> (String, String) {
    (format!("urn:uuid:{}", random_id()), random_id())
}

#[tokio::test]
async fn migrating_twice_is_harmless_and_urls_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    );
    Store::open(&url).await.unwrap().close().await;
    Store::open(&url).await.unwrap().close().await;
    assert!(matches!(Store::open("mysql://x").await, Err(Error::Url(_))));
}

#[tokio::test]
async fn an_import_is_confirmed_once_and_rows_are_never_queued_twice() {
    both(|st| async move {
        st.create_import("i1", "csv", "[]", "[]", 2, 0, 1)
            .await
            .unwrap();
        let rows = vec![result(1, "A"), result(2, "A")];
        assert_eq!(st.confirm_import("i1", &rows, 2).await.unwrap(), (2, 0));
        assert!(matches!(
            st.confirm_import("i1", &rows, 3).await,
            Err(Error::Conflict(_))
        ));
        let imp = st.import("i1").await.unwrap().unwrap();
        assert_eq!(
            (imp.state.as_str(), imp.rows_json, imp.queued),
            ("confirmed", None, Some(2))
        );
        // The same rows again, from another import or an application: nothing new.
        st.create_import("i2", "csv", "[]", "[]", 2, 0, 4)
            .await
            .unwrap();
        assert_eq!(st.confirm_import("i2", &rows, 5).await.unwrap(), (0, 2));
        assert_eq!(
            st.queue_results(&[result(2, "A"), result(3, "A")], 6)
                .await
                .unwrap(),
            (1, 1)
        );
        assert_eq!(st.waiting_results().await.unwrap(), 3);
        st.create_import("i3", "csv", "[]", "[]", 0, 0, 7)
            .await
            .unwrap();
        st.discard_import("i3", 8).await.unwrap();
        assert!(st.discard_import("i3", 9).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn a_batch_goes_from_open_to_done_and_queues_one_message_per_student() {
    both(|st| async move {
        st.queue_results(&[result(1, "A"), result(1, "B"), result(2, "A")], 1)
            .await
            .unwrap();
        let b = st
            .form_batch("me", "local", 100, 10, 1000, &fresh)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((b.state.as_str(), b.total), ("open", 3));
        assert!(
            st.form_batch("me", "local", 100, 10, 1000, &fresh)
                .await
                .unwrap()
                .is_none()
        );
        // Another instance cannot take it while the lease runs, and can after.
        assert!(st.claim_batch("other", 500, 1000).await.unwrap().is_none());
        assert!(
            st.renew_batch(&b.id, "other", (0, 0), 500, 1000)
                .await
                .is_err()
        );
        let taken = st.claim_batch("other", 2000, 1000).await.unwrap().unwrap();
        assert_eq!(taken.id, b.id);
        assert!(
            st.renew_batch(&b.id, "me", (0, 0), 2001, 1000)
                .await
                .is_err()
        );
        let pending = st.batch_results(&b.id).await.unwrap();
        assert_eq!(
            pending.iter().map(|p| p.position).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        let indices: std::collections::BTreeSet<i64> =
            pending.iter().map(|p| p.status_index).collect();
        assert_eq!(indices.len(), 3);
        let signed: Vec<Signed> = pending
            .iter()
            .map(|p| signed(p, format!("{:064x}", p.position)))
            .collect();
        assert!(
            st.store_signed(&b.id, "me", &signed, "root", 2002)
                .await
                .is_err(),
            "not the owner"
        );
        st.store_signed(&b.id, "other", &signed, "root", 2002)
            .await
            .unwrap();
        assert!(
            st.store_signed(&b.id, "other", &signed, "root", 2002)
                .await
                .is_err(),
            "twice"
        );
        st.save_step(&b.id, "other", "{\"ledger\":\"ethereum\"}")
            .await
            .unwrap();
        st.set_anchored(&b.id, "{}").await.unwrap();
        assert_eq!(st.batch_leaves(&b.id).await.unwrap().len(), 3);
        let todo = st.unbaked(&b.id, 2).await.unwrap();
        assert_eq!(todo.len(), 2);
        st.store_baked(
            &b.id,
            &todo
                .iter()
                .map(|c| {
                    (
                        c.id.clone(),
                        "{\"x\":1}".into(),
                        vec![1, 2],
                        "image/png".into(),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
        assert_eq!(st.batch(&b.id).await.unwrap().unwrap().baked, 2);
        let rest = st.unbaked(&b.id, 10).await.unwrap();
        assert_eq!(rest.len(), 1);
        st.store_baked(
            &b.id,
            &[(
                rest[0].id.clone(),
                "{}".into(),
                vec![3],
                "image/svg+xml".into(),
            )],
        )
        .await
        .unwrap();
        st.finish_batch(&b.id, 3000).await.unwrap();
        assert!(st.finish_batch(&b.id, 3000).await.is_err());
        let outbox = st.outbox(10).await.unwrap();
        assert_eq!(outbox.len(), 2, "one message per student");
        // The results now keep only their keys.
        assert_eq!(st.privacy().await.unwrap().results_waiting, 0);
        assert_eq!(st.privacy().await.unwrap().results_kept_for_dedup, 3);
        assert!(
            st.claim_batch("me", 9999, 1000).await.unwrap().is_none(),
            "done batches are not claimed"
        );
    })
    .await;
}

#[tokio::test]
async fn messages_are_claimed_once_retried_and_purged_after_the_window() {
    both(|st| async move {
        st.queue_results(&[result(1, "A"), result(1, "B")], 1)
            .await
            .unwrap();
        let b = st
            .form_batch("me", "local", 100, 10, 1000, &fresh)
            .await
            .unwrap()
            .unwrap();
        let pending = st.batch_results(&b.id).await.unwrap();
        let signed: Vec<Signed> = pending.iter().map(|p| signed(p, "00".into())).collect();
        st.store_signed(&b.id, "me", &signed, "r", 11)
            .await
            .unwrap();
        st.set_anchored(&b.id, "{}").await.unwrap();
        let items: Vec<_> = signed
            .iter()
            .map(|c| (c.id.clone(), "{}".into(), vec![9u8], "image/png".into()))
            .collect();
        st.store_baked(&b.id, &items).await.unwrap();
        st.finish_batch(&b.id, 100).await.unwrap();

        let m = st.claim_mail("me", 100, 1000).await.unwrap().unwrap();
        assert!(
            st.claim_mail("other", 101, 1000).await.unwrap().is_none(),
            "leased"
        );
        assert_eq!(
            st.mail_credentials(&m.batch_id, &m.email)
                .await
                .unwrap()
                .len(),
            2
        );
        st.mail_failed(&m.batch_id, &m.email, "connection refused", 5000, false)
            .await
            .unwrap();
        assert!(
            st.claim_mail("me", 200, 1000).await.unwrap().is_none(),
            "backing off"
        );
        let m = st.claim_mail("me", 5000, 1000).await.unwrap().unwrap();
        assert_eq!(m.attempts, 1);
        st.mail_sent(&m.batch_id, &m.email, 5001, 9000)
            .await
            .unwrap();
        let p = st.privacy().await.unwrap();
        assert_eq!(
            (
                p.credentials_with_personal_data,
                p.next_purge,
                p.messages_sent_kept
            ),
            (2, Some(9000), 1)
        );
        // Staff may resend within the window.
        st.resend(&m.batch_id, &m.email, 6000).await.unwrap();
        let again = st.claim_mail("me", 6000, 1000).await.unwrap().unwrap();
        st.mail_sent(&again.batch_id, &again.email, 6001, 9000)
            .await
            .unwrap();

        assert_eq!(st.purge(8999, 0, 0).await.unwrap().credentials, 0);
        let purged = st.purge(9000, 9000, 9000).await.unwrap();
        assert_eq!(
            (purged.credentials, purged.messages, purged.results),
            (2, 1, 2)
        );
        let c = st.credential(&signed[0].id).await.unwrap().unwrap();
        assert_eq!((c.email, c.name, c.purged), (None, None, Some(9000)));
        assert!(
            st.resend(&m.batch_id, &m.email, 9001).await.is_err(),
            "nothing left to send"
        );
        let p = st.privacy().await.unwrap();
        assert_eq!(
            (p.credentials_with_personal_data, p.credentials_purged),
            (0, 2)
        );
    })
    .await;
}

#[tokio::test]
async fn status_bits_are_set_cleared_and_revocation_is_final() {
    both(|st| async move {
        st.queue_results(&[result(1, "A")], 1).await.unwrap();
        let b = st
            .form_batch("me", "local", 100, 10, 1000, &fresh)
            .await
            .unwrap()
            .unwrap();
        let p = &st.batch_results(&b.id).await.unwrap()[0];
        st.store_signed(&b.id, "me", &[signed(p, "00".into())], "r", 2)
            .await
            .unwrap();
        let id = &p.credential_id;
        assert!(st.status_list(0, "suspension").await.unwrap().is_none());
        assert_eq!(
            st.set_status(
                id,
                "suspension",
                true,
                "exam fraud being checked",
                "staff",
                131_072,
                3
            )
            .await
            .unwrap(),
            (0, true)
        );
        assert_eq!(
            st.set_status(id, "suspension", true, "again", "staff", 131_072, 3)
                .await
                .unwrap(),
            (0, false)
        );
        let list = st.status_list(0, "suspension").await.unwrap().unwrap();
        assert_eq!(list.version, 1);
        assert_eq!(
            list.bits[(p.status_index / 8) as usize] & (0x80 >> (p.status_index % 8)),
            0x80 >> (p.status_index % 8)
        );
        st.set_status(id, "suspension", false, "cleared", "staff", 131_072, 4)
            .await
            .unwrap();
        assert_eq!(
            st.status_list(0, "suspension")
                .await
                .unwrap()
                .unwrap()
                .bits
                .iter()
                .filter(|b| **b != 0)
                .count(),
            0
        );
        st.set_status(
            id,
            "revocation",
            true,
            "diploma withdrawn",
            "staff",
            131_072,
            5,
        )
        .await
        .unwrap();
        assert!(matches!(
            st.set_status(id, "revocation", false, "", "staff", 131_072, 6)
                .await,
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            st.set_status("urn:uuid:nope", "revocation", true, "", "staff", 131_072, 6)
                .await,
            Err(Error::NotFound(_))
        ));
        let info = st.credential(id).await.unwrap().unwrap();
        assert_eq!(
            (info.revoked, info.status_reason.as_deref()),
            (Some(5), Some("diploma withdrawn"))
        );
        st.store_signed_list(0, "revocation", 1, "{signed}", 131_072)
            .await
            .unwrap();
        let l = st.status_list(0, "revocation").await.unwrap().unwrap();
        assert_eq!(
            (l.signed_version, l.signed_body.as_deref()),
            (Some(1), Some("{signed}"))
        );
        // A stale signature is not stored over a newer version.
        st.store_signed_list(0, "revocation", 0, "{old}", 131_072)
            .await
            .unwrap();
        assert_eq!(
            st.status_list(0, "revocation")
                .await
                .unwrap()
                .unwrap()
                .signed_body
                .as_deref(),
            Some("{signed}")
        );
    })
    .await;
}

#[tokio::test]
async fn achievements_tokens_staff_and_sessions() {
    both(|st| async move {
        let mut a = Achievement {
            key: "EHBO".into(),
            name: "First aid".into(),
            description: "d".into(),
            criteria: "c".into(),
            body: "{}".into(),
            image: vec![1, 2, 3],
            image_type: "image/png".into(),
            retired: None,
            created: 1,
            updated: 1,
        };
        st.put_achievement(&a).await.unwrap();
        a.name = "Eerste hulp".into();
        a.updated = 2;
        st.put_achievement(&a).await.unwrap();
        assert_eq!(st.achievement_by_key("EHBO").await.unwrap().unwrap(), a);
        st.retire_achievement("EHBO", Some(3)).await.unwrap();
        assert_eq!(st.achievements().await.unwrap()[0].retired, Some(3));
        assert!(st.retire_achievement("nope", Some(3)).await.is_err());

        st.create_token("t1", "leerlingvolgsysteem", "results", "h1", 1)
            .await
            .unwrap();
        assert_eq!(
            st.token_by_hash("h1").await.unwrap().unwrap().app,
            "leerlingvolgsysteem"
        );
        st.revoke_token("t1", 2).await.unwrap();
        assert!(st.token_by_hash("h1").await.unwrap().is_none());
        assert!(st.revoke_token("t1", 3).await.is_err());

        st.put_staff("admin", "$argon2id$x", 1).await.unwrap();
        assert_eq!(
            st.staff_hash("admin").await.unwrap().as_deref(),
            Some("$argon2id$x")
        );
        st.create_session("s1", "admin", "csrf", 100).await.unwrap();
        assert_eq!(
            st.session("s1", 50).await.unwrap(),
            Some(("admin".into(), "csrf".into()))
        );
        assert_eq!(st.session("s1", 100).await.unwrap(), None, "expired");
        st.delete_session("s1").await.unwrap();
        assert_eq!(st.purge(0, 0, 0).await.unwrap().sessions, 0);
    })
    .await;
}

#[tokio::test]
async fn two_instances_forming_batches_at_once_never_share_a_result() {
    let url = testing::scratch_postgres().await.unwrap();
    let st = Store::open(&url).await.unwrap();
    let rows: Vec<NewResult> = (0..300).map(|n| result(n, "A")).collect();
    st.queue_results(&rows, 1).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let st = Store::open(&url).await.unwrap();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(b) = st
                .form_batch(&format!("w{w}"), "local", 25, 10, 60_000, &fresh)
                .await
                .unwrap()
            {
                mine.push(b.id);
            }
            mine
        }));
    }
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for t in tasks {
        for id in t.await.unwrap() {
            let results = st.batch_results(&id).await.unwrap();
            total += results.len();
            for r in results {
                assert!(seen.insert(r.id), "a result is in two batches");
            }
        }
    }
    assert_eq!(total, 300);
    assert_eq!(
        st.status_indices_used().await.unwrap(),
        300,
        "no index handed out twice or lost"
    );
    st.close().await;
    testing::drop_postgres(&url).await.unwrap();
}
