"""Services of the alerts layer: flags, eligibility, work items, outreach, referrals, HSDS."""
