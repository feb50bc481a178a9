"""Request and response models of the REST API, by area.

Requests are validated with these models (camelCase, unknown fields rejected). Responses are
rendered from protobuf into plain dicts by ``gateway.rendering``; the response models here
describe them in the OpenAPI document.

Money: every amount is an integer in the currency's minor unit (paise, cents), never a float, and
the object that carries it names the ``currency`` (ISO 4217), e.g. ``{"totalAmount": 50000,
"currency": "INR"}`` is ₹500.00.
"""
