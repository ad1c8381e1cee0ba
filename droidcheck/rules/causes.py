"""The troubleshooting article's causes, fixes and questions, as ids rules cite.

Every rule names the heading of the article it comes from (``cause:``). The test suite checks that each
entry below is cited by at least one rule, so the rule pack covers the whole article. Titles are our own
short paraphrases.
"""

from __future__ import annotations

ARTICLE_SECTIONS: dict[str, str] = {
    # Why the code does not work
    "cause.network": "Network problems stop the message reaching the phone",
    "cause.phone-number": "The account's phone number is wrong or out of date",
    "cause.peak-delay": "Delivery is slow at busy times (sales, festivals)",
    "cause.third-party-sms-app": "A third-party messaging app gets in the way",
    "cause.account-security": "Extra account security settings interfere",
    # How to fix it
    "fix.verify-number": "Check the mobile number on the account",
    "fix.strong-network": "Get a strong signal; switch between Wi-Fi and mobile data",
    "fix.resend": "Ask for a new code after a few minutes",
    "fix.clear-browser-cache": "Clear the browser's cache and cookies",
    "fix.contact-support": "Contact Amazon customer support",
    # Preventing it
    "prevent.update-contact-info": "Keep the account's number and e-mail current",
    "prevent.update-software": "Keep the phone's system and apps updated",
    "prevent.default-sms-app": "Use the phone's own messaging app",
    "prevent.enable-notifications": "Turn on notifications for messages",
    # Tips
    "tip.reliable-network": "Use a known, reliable network",
    "tip.backup-email": "Set up an e-mail address as a second way to get codes",
    "tip.messaging-app-settings": "Make sure the messaging app lets Amazon's messages through",
    # Questions
    "faq.not-receiving": "Codes are not received: number, spam folder, other texts",
    "faq.phone-not-receiving": "The phone gets no codes: airplane mode, signal, other texts",
    "faq.email-instead": "Getting the code by e-mail instead",
    "faq.code-expires": "The code expires before it can be used: clock and time zone",
    "faq.compromised": "The account may be compromised",
    "faq.future": "Making sure codes keep arriving",
}
