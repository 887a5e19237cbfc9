def test_me_answers_for_a_token(company, api_as):
    r = api_as(company.alice).get("/me")
    assert r.status_code == 200
    assert r.json_body["username"] == "alice"


def test_anonymous_gets_401(company, api_as):
    assert api_as(None).get("/objectives").status_code == 401
