"""`flask members import` and `flask members create-admin`: they commit at their own boundary."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.members.models import Member, MemberStatus, RoleKind
from app.timeutil import local_today
from tests.conftest import link_in


@pytest.fixture
def runner(app, monkeypatch):
    # Pin the CLI's language so the assertions read the English source strings.
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    return app.test_cli_runner()


def member_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Member))


def by_email(email: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == email))


def write(tmp_path, text: str, encoding="utf-8") -> str:
    path = tmp_path / "membres.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


GOOD = ("nom;courriel;statut;depuis;parts\n"
        "Léa Moreau;lea@example.org;ES;01/06/2024;\n"
        "Karim Benali;karim@example.org;ESA;2022-01-10;4\n")


def test_import_creates_members_commits_and_invites(runner, tmp_path, smtp_server):
    result = runner.invoke(args=["members", "import", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "2 members imported." in result.output
    assert "2 invitations sent." in result.output
    karim = by_email("karim@example.org")
    assert karim.status_on(date(2022, 1, 10)) is MemberStatus.ESA and karim.shares == 4
    # The invitations left with the commit, and their links work without a request to build from.
    assert sorted(m["To"] for m in smtp_server.messages) == ["karim@example.org", "lea@example.org"]
    assert link_in(smtp_server.messages[0], "/invitation/").startswith("/invitation/")


def test_import_no_invite_sends_nothing(runner, tmp_path, smtp_server):
    result = runner.invoke(args=["members", "import", "--no-invite", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert member_count() == 2
    assert smtp_server.messages == []
    assert "invitations" not in result.output


def test_rejected_import_prints_each_error_with_its_line_and_exits_1(runner, tmp_path, smtp_server):
    text = ("nom;courriel;statut;depuis;parts\n"
            "Bon;bon@example.org;es;2025-01-01;\n"
            "Mauvais;mauvais@example.org;inconnu;2025-01-01;\n"
            "Date;date@example.org;es;2025-02-30;\n"
            "Associé;associe@example.org;esa;2025-01-01;0\n")
    result = runner.invoke(args=["members", "import", write(tmp_path, text)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Line 3, column “statut”: Unknown status “inconnu”")
    assert lines[1] == "Line 4, column “depuis”: The date “2025-02-30” does not exist."
    assert lines[2] == "Line 5, column “parts”: An associate holds at least one share."
    assert lines[3] == "Nothing was imported (3 problems)."
    assert member_count() == 0 and smtp_server.messages == []


def test_import_file_level_errors(runner, tmp_path):
    result = runner.invoke(args=["members", "import", write(tmp_path, "")])
    assert result.exit_code == 1 and "File: The file is empty." in result.stderr
    missing = runner.invoke(args=["members", "import", str(tmp_path / "absent.csv")])
    assert missing.exit_code == 2 and "absent.csv" in missing.output


def test_import_refuses_a_file_over_the_size_limit(app, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 50)
    result = runner.invoke(args=["members", "import", write(tmp_path, GOOD)])
    assert result.exit_code == 1 and "too large" in result.stderr
    assert member_count() == 0


def test_create_admin_creates_an_administrator_and_prints_a_working_link(runner, client, smtp_server):
    result = runner.invoke(args=["members", "create-admin", "Admin@Example.org", "Agnès Première"])
    assert result.exit_code == 0, result.output
    admin = by_email("admin@example.org")
    today = local_today()
    assert admin.full_name == "Agnès Première"
    assert admin.status_on(today) is MemberStatus.ES  # default: the admin post need not be an associate
    assert admin.has_role_on(RoleKind.ADMINISTRATOR, today)
    assert [m["To"] for m in smtp_server.messages] == ["admin@example.org"]
    printed = result.output.strip().splitlines()[-1]
    assert printed.startswith("http://localhost/invitation/")
    page = client.get(printed.removeprefix("http://localhost"))
    assert page.status_code == 200 and "Agnès" in page.get_data(as_text=True)
    done = client.post(printed.removeprefix("http://localhost"),
                       data={"password": "une phrase assez longue", "confirm": "une phrase assez longue"})
    assert done.status_code == 302
    assert client.get("/membres/import").status_code == 200  # signed in, and an administrator


def test_create_admin_as_associate_needs_shares(runner):
    refused = runner.invoke(args=["members", "create-admin", "a@example.org", "Ann", "--status", "esa"])
    assert refused.exit_code == 1
    assert "An associate holds at least one share." in refused.stderr and "--shares" in refused.stderr
    assert member_count() == 0
    ok = runner.invoke(args=["members", "create-admin", "a@example.org", "Ann", "--status", "esa", "--shares", "2",
                             "--since", "01/09/2020"])
    assert ok.exit_code == 0, ok.output
    assert by_email("a@example.org").status_on(date(2020, 9, 1)) is MemberStatus.ESA


@pytest.mark.parametrize("args, message", [
    (["not-an-address", "Ann"], "Invalid e-mail address."),
    (["a@example.org", "   "], "A name of 1 to 200 characters is required."),
    (["a@example.org", "Ann", "--since", "2999-01-01"], "The status must have started by today"),
])
def test_create_admin_refuses_bad_input(runner, args, message):
    result = runner.invoke(args=["members", "create-admin", *args])
    assert result.exit_code == 1 and message in result.stderr
    assert member_count() == 0


def test_create_admin_refuses_an_address_in_use_and_unknown_options(runner, make_member):
    make_member(email="taken@example.org")
    db.session.commit()  # already in the database before the command runs (its failure rolls back)
    result = runner.invoke(args=["members", "create-admin", "taken@example.org", "Ann"])
    assert result.exit_code == 1 and "A member already uses this e-mail address." in result.stderr
    former = runner.invoke(args=["members", "create-admin", "x@example.org", "Ann", "--status", "former"])
    assert former.exit_code == 2
    assert member_count() == 1
