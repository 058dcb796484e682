"""The demo's school side: prices, and a new Kanto order that dist-kanto sees."""

from __future__ import annotations

from conftest import PortalClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import PriceSetting, SchoolOrder


def test_the_demo_order_waits_for_dist_kanto(app, runner):
    first = runner.invoke(args=["demo"]).output
    again = runner.invoke(args=["demo"]).output
    assert "learner personal: B0001-001 / demo-pass" in first
    assert "learner shared: B0001-031 / demo-pass" in first
    assert "dist-kanto has order S-00001" in first and first == again
    assert db.session.scalar(select(func.count()).select_from(SchoolOrder)) == 1
    assert db.session.scalar(select(func.count()).select_from(PriceSetting)) == 1
    client = PortalClient(app)
    client.login("dist-kanto")
    page = client.get("/orders/").get_data(as_text=True)
    assert "さくら市立さくら中学校" in page and "申込 <strong>1</strong>" in page
    assert "168,000円" in client.get("/orders/1").get_data(as_text=True)  # 56 = 41 + A + B
