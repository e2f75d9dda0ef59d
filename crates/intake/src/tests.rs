use super::*;

fn cx() -> Context<'static> {
    Context {
        known: &|a: &str| a == "SWIM-A" || a == "EHBO",
        today: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
    }
}

#[test]
fn reads_dutch_excel_with_bom_and_semicolons() {
    let csv = "\u{feff}E-mailadres;Naam;Badge;Datum;Resultaat\r\n\
               Anna@School.nl;Anna de Vries;SWIM-A;30-06-2026;8,5\r\n\
               piet@school.nl;\"Piet; Jansen\";EHBO;2026-07-01;\r\n";
    let out = check_csv(csv.as_bytes(), &cx()).unwrap();
    assert_eq!(out.errors, vec![]);
    assert_eq!(out.rows.len(), 2);
    assert_eq!(out.rows[0].email, "anna@school.nl");
    assert_eq!(out.rows[0].line, 2);
    assert_eq!(out.rows[0].result.as_deref(), Some("8,5"));
    assert_eq!(
        out.rows[0].date,
        NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
    );
    assert_eq!(out.rows[1].name, "Piet; Jansen");
    assert_eq!(out.rows[1].result, None);
}

#[test]
fn reads_plain_utf8_with_commas_and_quoted_newlines() {
    let csv = "email,name,achievement,date,result,evidence\n\
               a@x.nl,\"Ann\nMarie\",EHBO,2026-01-02,pass,https://x.nl/e/1\n\
               b@x.nl,Bo,EHBO,2026-01-02,,\n";
    let out = check_csv(csv.as_bytes(), &cx()).unwrap();
    // A newline inside a name is a control character.
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].line, 2);
    assert!(out.errors[0].reason.contains("control"));
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].line, 4, "the quoted newline counts as a line");
}

#[test]
fn every_bad_row_is_named_with_its_line_and_reason() {
    let csv = "email,name,achievement,date,evidence\n\
               good@x.nl,Good,EHBO,2026-01-02,\n\
               not-an-email,Bad,EHBO,2026-01-02,\n\
               c@x.nl,,EHBO,2026-01-02,\n\
               d@x.nl,Dee,UNKNOWN,2026-01-02,\n\
               e@x.nl,Ee,EHBO,31-02-2026,\n\
               f@x.nl,Ef,EHBO,2027-01-01,\n\
               GOOD@x.nl,Good again,EHBO,02-01-2026,\n\
               g@x.nl,Gee,EHBO,2026-01-02,javascript:alert(1)\n\
               h@x.nl,Ha,EHBO,2026-01-02,,extra\n";
    let out = check_csv(csv.as_bytes(), &cx()).unwrap();
    assert_eq!(out.rows.len(), 1);
    let lines: Vec<(u64, &str)> = out
        .errors
        .iter()
        .map(|e| (e.line, e.reason.as_str()))
        .collect();
    let expect = [
        (3, "has no @"),
        (4, "name is empty"),
        (5, "not in the catalogue"),
        (6, "is not a date"),
        (7, "in the future"),
        (8, "repeats line 2"),
        (9, "not an http(s) URL"),
        (10, "6 cells but the header has 5"),
    ];
    assert_eq!(lines.len(), expect.len(), "{lines:?}");
    for ((line, reason), (el, er)) in lines.iter().zip(expect) {
        assert_eq!(*line, el);
        assert!(
            reason.contains(er),
            "line {line}: {reason:?} should say {er:?}"
        );
    }
}

#[test]
fn whole_file_problems_are_errors() {
    assert_eq!(check_csv(b"", &cx()), Err(Error::Empty));
    assert_eq!(check_csv(b"\xEF\xBB\xBF \n", &cx()), Err(Error::Empty));
    assert!(matches!(
        check_csv(b"email,name,date\n", &cx()),
        Err(Error::MissingColumn("achievement", _))
    ));
    assert_eq!(
        check_csv(b"email,mail,name,badge,date\n", &cx()),
        Err(Error::RepeatedColumn("email"))
    );
    assert_eq!(
        check_csv(b"e\xE9mail,name\n", &cx()),
        Err(Error::HeaderNotUtf8)
    );
}

#[test]
fn windows_1252_cells_are_named() {
    let csv = b"email;naam;badge;datum\nz@x.nl;Jos\xE9;EHBO;01-02-2026\n";
    let out = check_csv(csv, &cx()).unwrap();
    assert_eq!(out.rows, vec![]);
    assert_eq!(out.errors[0].line, 2);
    assert!(out.errors[0].reason.contains("not UTF-8"));
}

#[test]
fn the_key_ignores_case_of_the_address_and_the_date_format() {
    let a = check_csv(b"email,name,badge,date\nA@x.nl,A,EHBO,2026-01-02\n", &cx()).unwrap();
    let b = check_csv(
        b"email;name;badge;date\na@x.nl;Other;EHBO;02-01-2026\n",
        &cx(),
    )
    .unwrap();
    assert_eq!(a.rows[0].key(), b.rows[0].key());
    let c = check_csv(
        b"email,name,badge,date\na@x.nl,A,SWIM-A,2026-01-02\n",
        &cx(),
    )
    .unwrap();
    assert_ne!(a.rows[0].key(), c.rows[0].key());
}

#[test]
fn json_rows_are_checked_the_same_way() {
    let body = serde_json::json!({"results": [
        {"email": "a@x.nl", "name": "A", "achievement": "EHBO", "date": "2026-01-02"},
        {"email": "a@x.nl", "name": "A", "achievement": "EHBO", "date": "2026-01-02"},
        {"email": "b@x.nl", "name": "B", "achievement": "EHBO", "date": 5},
        {"email": "c@x.nl", "name": "C", "achievement": "EHBO", "date": "2026-01-02", "colour": "x"},
        "nope"
    ]});
    let out = check_json(&body, &cx()).unwrap();
    assert_eq!(out.rows.len(), 1);
    let reasons: Vec<_> = out
        .errors
        .iter()
        .map(|e| (e.line, e.reason.clone()))
        .collect();
    assert_eq!(
        reasons[0],
        (
            2,
            "repeats line 1 (same student, achievement and date)".into()
        )
    );
    assert_eq!(reasons[1], (3, "date must be a string".into()));
    assert_eq!(reasons[2], (4, "has an unknown field \"colour\"".into()));
    assert_eq!(reasons[3], (5, "is not a JSON object".into()));
    assert!(check_json(&serde_json::json!([1]), &cx()).is_err());
}

#[test]
fn addresses() {
    for ok in ["a@b.nl", "first.last+tag@sub.school.example", "x@dömain.nl"] {
        assert!(check_email(ok).is_ok(), "{ok}");
    }
    for bad in [
        "", "a", "a@b", "@b.nl", "a@.nl", "a b@c.nl", "a@b..nl", "<a@b.nl>", "a@-b.nl",
    ] {
        assert!(check_email(bad).is_err(), "{bad}");
    }
}

#[test]
fn too_many_rows() {
    let mut csv = String::from("email,name,badge,date\n");
    for i in 0..=MAX_ROWS {
        csv.push_str(&format!("s{i}@x.nl,S,EHBO,2026-01-02\n"));
    }
    assert_eq!(check_csv(csv.as_bytes(), &cx()), Err(Error::TooManyRows));
}

#[test]
fn a_lone_carriage_return_ends_a_line_too() {
    // Found by fuzzing: old Mac line ends made two rows share one line number.
    let csv = b"email;naam;badge;datum\ra@x.nl;A;EHBO;2026-01-01\rb@x.nl;B;EHBO;2026-01-01\r\nc@x.nl;C;EHBO;2026-01-01\n";
    let out = check_csv(csv, &cx()).unwrap();
    assert_eq!(
        out.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
}
