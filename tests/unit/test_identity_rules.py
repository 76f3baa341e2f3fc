import pytest

from chalicelib.domain import identity as rules
from chalicelib.domain.identity import IdentityError


@pytest.mark.parametrize("text,value,kind", [
    ("Demo@JMC.local", "demo@jmc.local", "email"),
    ("+86 138 0013 8000", "+8613800138000", "phone"),
    ("+852 9123 4567", "+85291234567", "phone"),
    ("+853 6612 3456", "+85366123456", "phone"),
    ("+886 912 345 678", "+886912345678", "phone"),
    ("+65 8123 4567", "+6581234567", "phone"),
])
def test_normalise_login(text, value, kind):
    assert rules.normalise_login(text) == rules.Login(value, kind)


@pytest.mark.parametrize("bad", ["", None, "a@b", "+1 415 555 2671", "+44 7700 900123", "12345", "not a login"])
def test_logins_outside_the_allowed_regions_or_malformed_are_refused(bad):
    with pytest.raises(IdentityError):
        rules.normalise_login(bad)


def test_passwords_hash_with_scrypt_and_verify():
    encoded = rules.hash_password("correct-horse-1")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert rules.verify_password("correct-horse-1", encoded)
    assert not rules.verify_password("correct-horse-2", encoded)
    assert not rules.verify_password("anything", None)
    assert rules.hash_password("correct-horse-1") != encoded  # salted


@pytest.mark.parametrize("weak", ["short1", "alllettersonly", "12345678901", None])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(IdentityError):
        rules.check_password_strength(weak)


def test_codes_are_six_digits_and_hashed_with_a_key():
    code = rules.new_code()
    assert len(code) == 6 and code.isdigit()
    h1 = rules.hash_code(code, b"k1", "a@b.cc")
    assert h1 != rules.hash_code(code, b"k2", "a@b.cc") != rules.hash_code(code, b"k1", "c@d.ee")
    assert code not in h1


def test_initial_passwords_are_strong_and_random():
    passwords = {rules.new_password() for _ in range(20)}
    assert len(passwords) == 20
    for p in passwords:
        rules.check_password_strength(p)


@pytest.mark.parametrize("value, reason", [(None, "is required"), ("  ", "is required"),
                                           (12345, "must be a string: an email address or a phone number"),
                                           (["demo@jmc.local"], "must be a string: an email address or a phone number"),
                                           ("a@b", "is not an email address")])
def test_a_login_that_is_not_one_says_why(value, reason):
    with pytest.raises(IdentityError) as caught:
        rules.normalise_login(value)
    assert str(caught.value) == reason


def test_an_email_field_takes_an_email_only():
    assert rules.normalise_email(" Ann@Acme.Example ") == rules.Login("ann@acme.example", "email")
    for value, reason in (("not-an-email", "is not an email address"), ("+8613800138000", "is not an email address"),
                          ("a" * 250 + "@b.cc", "is not an email address"), (None, "is required"),
                          (7, "must be a string: an email address")):
        with pytest.raises(IdentityError) as caught:
            rules.normalise_email(value)
        assert str(caught.value) == reason, value


@pytest.mark.parametrize("address", ["ann@acme.example", " o'brien+sms@mail.acme.co.uk ", "x@xn--fiqs8s.xn--fiqs8s",
                                     "a.b-c_d@a-1.io"])
def test_an_email_is_an_address_mail_can_be_sent_to(address):
    assert rules.normalise_email(address).value == address.strip().lower()


@pytest.mark.parametrize("address", ["gum@empty.io*", "a@b.c", "a@-b.io", "a..b@c.io", ".a@c.io", "a@b_c.io",
                                     "a b@c.io", "张@例子.中国", "a@b.io\u3000", "\u00a0a@b.io", "a@b.123",
                                     " " * 10 + "a" * 240 + "@b.io"])
def test_an_email_with_more_or_other_than_an_address_is_refused(address):
    """What the spec's email pattern refuses, the API refuses: phonenumbers-style guessing
    (dropping a trailing "*") would let a typo through as someone else's address."""
    with pytest.raises(IdentityError, match="is not an email address"):
        rules.normalise_email(address)
    with pytest.raises(IdentityError, match="is not an email address"):
        rules.normalise_login(address)
