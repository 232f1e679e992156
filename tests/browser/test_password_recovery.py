"""A forgotten password, recovered in the browser (issue 32, item 2): the e-mail given at sign-up
receives the reset link (the live site writes its mail to files), the new password signs in;
changing the address on the profile asks for the current password."""

from __future__ import annotations

import re


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_sign_up_with_e_mail_forget_reset_and_change_it(page, live_arena, screenshot):
    page.goto("/accounts/signup/")
    page.fill("#id_username", "forgetful")
    page.fill("#id_email", "forgetful@example.org")
    page.fill("#id_password1", "a-long-Password-42")
    page.fill("#id_password2", "a-long-Password-42")
    page.check("#id_accept_licence")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/$"))
    sign_out(page)

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    before = len(live_arena.mails())
    page.fill("#id_email", "forgetful@example.org")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/sent/$"))
    mails = live_arena.mails()[before:]
    assert len(mails) == 1 and "To: forgetful@example.org" in mails[0]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mails[0]).group(1)
    page.goto(link)
    page.fill("#id_new_password1", "Brand-new-Password-7")
    page.fill("#id_new_password2", "Brand-new-Password-7")
    page.get_by_role("button", name=re.compile("password", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/done/$"))

    page.goto("/accounts/login/?next=/users/forgetful/")
    page.fill("#id_username", "forgetful")
    page.fill("#id_password", "Brand-new-Password-7")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/users/forgetful/$"))
    assert "forgetful@example.org" in page.inner_text("main")

    # A session alone cannot move the reset link to another mailbox.
    page.get_by_role("link", name="Change your e-mail address").click()
    page.fill("#id_email", "thief@example.org")
    page.fill("#id_current_password", "not-my-password")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".errorlist", has_text="not your current password").count() == 1
    assert page.input_value("#id_email") == "thief@example.org"  # what was typed stays
    screenshot(page, "email-change-refused")
    page.fill("#id_current_password", "Brand-new-Password-7")
    page.fill("#id_email", "forgetful@example.net")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/users/forgetful/$"))
    assert "forgetful@example.net" in page.inner_text("main")
    assert page.problems.errors == []
