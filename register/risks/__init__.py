"""The risk register: cyber and beredskab (RSV) risks, rated, treated, reviewed and accepted."""
