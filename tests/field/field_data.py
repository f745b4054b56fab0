"""What real plans' files hold, copied from the reference (sections 7 and 8, [field]): code values as plans and
vendors write them and the large plan's RTF template, column by column. Member data here is invented.

The tests of this folder build real workbooks from these lists (openpyxl writes them, calamine reads them back)
and check that each clean one passes with no error and each broken one is caught.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

# 7.3 discontinuation reason codes and their meanings (a plan's provider-portal table, keyed DHCSCode)
DISCONTINUATION = {
    "WM": "Member is well-managed and not in need of services",
    "DP": "Member declined to participate",
    "UE": "Unable to engage the member",
    "UBE": "Unsafe behavior or environment",
    "EXP": "Member is deceased",
    "NE": "Member is not enrolled in Medi-Cal at the plan",
    "OH": "Member's Medi-Cal eligibility is on hold or termed",
    "CAP": "Provider does not have capacity for new members",
    "ERR": "Member information is incorrect",
    "OTH": "Other reason, named in Discontinuation Reason",
    "SC": "Successfully completed",
    "DNC": "Data not collected",
}
OLD_DISCONTINUATION = ["01", "02", "03", "04", "05", "06", "07", "08", "09"]

# 7.4 referral statuses (DHCS closed-loop referral guidance)
REFERRAL_STATUSES = ["Pending", "Accepted", "Declined", "Outreach Initiated", "Referral Loop Closed"]

# 7.2 populations of focus: code -> the names real templates and the DHCS quarterly report use
POF_NAMES = {
    "1a": ["Adults Experiencing Homelessness", "Individuals Experiencing Homelessness"],
    "1b": ["Families Experiencing Homelessness",
           "Homeless Families or Unaccompanied Children/Youth Experiencing Homelessness"],
    "2": ["Individuals at Risk for Avoidable Hospital or ED Utilization", "Avoidable Hospital or ED Utilization"],
    "3": ["Individuals with Serious Mental Health and/or Substance Use Disorder Needs", "SMI or SUD",
          "Individuals with Serious Mental Health or Substance Use Disorder Needs"],
    "4": ["Individuals Transitioning from Incarceration", "Transitioning from Incarceration"],
    "5": ["Adults Living in the Community and at Risk for LTC Institutionalization",
          "LTC At-Risk for Institutionalization"],
    "6": ["Adult Nursing Facility Residents Transitioning to the Community",
          "Nursing Facility Residents Transitioning to Community", "NF Transitioning to Community"],
    "7": ["Children/Youth Enrolled in CCS or CCS WCM with Additional Needs Beyond the CCS Condition",
          "CCS/CCS WCM with Additional Needs"],
    "8": ["Children/Youth Involved in Child Welfare", "Child Welfare"],
    "9": ["Birth Equity Population of Focus", "Birth Equity"],
}
POF_PREFIXES = ["Adult - ", "Adult \u2013 ", "Child - ", "Child \u2013 ", "Children/Youth - "]

# 7.6 outreach methods: code -> the spellings plans and vendors use
OUTREACH_SPELLINGS = {
    "In Person": ["In-Person", "Face to Face"],
    "Phone": ["Telephonic", "Telephone", "Phone Call"],
    "Video": ["Telehealth", "Video Call"],
    "Text": ["SMS", "Text Message"],
    "Mail": ["Letter"],
}

# 7.7 Community Supports services: name -> (equivalent spellings, billing codes with their modifier)
CS_SERVICES: dict[str, tuple[list[str], list[str]]] = {
    "Housing Transition Navigation Services": (
        ["Housing Transition/Navigation Services", "Housing Transition/ Navigation Services", "Housing Navigation"],
        ["H0043 U6", "H2016 U6"]),
    "Housing Deposits": (["Housing Deposit"], ["H0044 U2"]),
    "Housing Tenancy and Sustaining Services": (["Housing Tenancy and Sustaining"],
                                                ["T2040 U6", "T2041 U6", "T2050 U6", "T2051 U6"]),
    "Short-Term Post-Hospitalization Housing": (["Short Term Post-Hospitalization Housing"],
                                                ["H0043 U3", "H0044 U3"]),
    "Recuperative Care (Medical Respite)": (["Recuperative Care", "Medical Respite"], ["T2033 U6"]),
    "Respite Services": (["Respite", "Caregiver Respite Services"], ["H0045 U6", "S5151 U6", "S9125 U6"]),
    "Day Habilitation Programs": (["Day Habilitation Services", "Day Habilitation"],
                                  ["T2012 U6", "T2014 U6", "T2018 U6", "T2020 U6", "H2014 U6", "H2024 U6",
                                   "H2026 U6", "H2038 U6"]),
    "Nursing Facility Transition/Diversion to Assisted Living Facilities": (
        ["NF Transition to ALF", "Nursing Facility Transition/Diversion to ALF",
         "Assisted Living Facility Transition"], ["T2038 U4", "H2022 U5"]),
    "Community Transition Services/Nursing Facility Transition to a Home": (
        ["NF Transition to a Home", "Community Transition Services"], ["T2038 U5", "H0044 U5"]),
    "Personal Care and Homemaker Services": (["Personal Care Services", "Homemaker Services"],
                                             ["S5130 U6", "T1019 U6"]),
    "Environmental Accessibility Adaptations (Home Modifications)": (
        ["Environmental Accessibility Adaptations", "Home Modifications"], ["S5165 U6"]),
    "Medically Tailored Meals/Medically Supportive Food": (
        ["Medically Tailored Meals", "Medically Supportive Food", "Medically-Supportive Food"],
        ["S5170 U6", "S9470 U6", "S9977 U6"]),
    "Sobering Centers": (["Sobering Center"], ["H0014 U6"]),
    "Asthma Remediation": ([], ["S5165 U5"]),
    "Transitional Rent": ([], ["H0040 U1", "H0040 U2", "H0043 U2", "H0044 U6"]),
}

# Section 8: the large plan's RTF template, column names exactly as the template has them
LARGE_PLAN_HEADER = [
    "Medical Record Number (MRN)", "Member Client Index Number (CIN)", "Member Residential Address",
    "Member Residential City", "Member Residential Zip Code", "Member Phone Number", "Age Group",
    "ECM Benefit Start Date", "Status of Member Engagement", "ECM Benefit End Date", "ECM Lead Care Manager Name",
    "ECM Lead Care Manager Phone Number", "Authorization Number", "Provider Type", "ECM Provider Name",
    "ECM Provider National Provider Identifier (NPI)", "ECM Provider Phone Number", "Member New Address Indicator",
    "Member New Phone Number Indicator", "Member Dually Enrolled in Medicare", "Date of Outreach Attempt",
    "Outreach Attempt Method", "Contact Reason", "Contact Outcome", "Time Spent Performing Outreach",
    "Recommendation for Discontinuation Date", "Discontinuation Reason Code", "Member Preferred Language (Spoken)",
    "Member Preferred Language (Written)", "Reauthorization Request", "Has Member Been Housed", "Housing Type",
    "Date Housed", "Member Information RTF Production Date", "Member Information RTF Reporting Period",
    "Individuals Experiencing Homelessness", "Individuals at Risk for Avoidable Hospital or ED Utilization",
    "Individuals with Serious Mental Health or Substance Use Disorder Needs",
    "Individuals Transitioning from Incarceration", "Birth Equity Population of Focus",
    "Individuals Living in the Community and at Risk for LTC Institutionalization",
    "Nursing Facility Residents Transitioning to Community",
    "Enrolled in CCS or CCS WCM with Additional Needs Beyond the CCS Condition", "Involved in Child Welfare",
]

# One enrolled member on that template, as a care coordinator fills it in (invented data)
LARGE_PLAN_ROW: dict[str, Any] = {
    "Medical Record Number (MRN)": "MRN-100234", "Member Client Index Number (CIN)": "93456789B",
    "Member Residential Address": "200 Sample Way", "Member Residential City": "Fresno",
    "Member Residential Zip Code": "93721", "Member Phone Number": "(559) 555-0142", "Age Group": "Adult",
    "ECM Benefit Start Date": dt.date(2026, 1, 12), "Status of Member Engagement": "2",
    "ECM Benefit End Date": None, "ECM Lead Care Manager Name": "Robin Fieldcase",
    "ECM Lead Care Manager Phone Number": "559-555-0188", "Authorization Number": "ECM-AUTH-5521",
    "Provider Type": "Community Health Worker", "ECM Provider Name": "Testclinic ECM",
    "ECM Provider National Provider Identifier (NPI)": "1234567893", "ECM Provider Phone Number": "5595550100",
    "Member New Address Indicator": "Y", "Member New Phone Number Indicator": "Y",
    "Member Dually Enrolled in Medicare": "N", "Date of Outreach Attempt": dt.date(2026, 3, 4),
    "Outreach Attempt Method": "Telephonic", "Contact Reason": "Care plan follow-up",
    "Contact Outcome": "Reached member; appointment set", "Time Spent Performing Outreach": 20,
    "Recommendation for Discontinuation Date": None, "Discontinuation Reason Code": None,
    "Member Preferred Language (Spoken)": "Spanish", "Member Preferred Language (Written)": "English",
    "Reauthorization Request": "N", "Has Member Been Housed": "Y", "Housing Type": "Permanent supportive housing",
    "Date Housed": dt.date(2026, 2, 20), "Member Information RTF Production Date": dt.date(2026, 4, 3),
    "Member Information RTF Reporting Period": "03/2026",
    "Individuals Experiencing Homelessness": "Y",
    "Individuals at Risk for Avoidable Hospital or ED Utilization": "N",
    "Individuals with Serious Mental Health or Substance Use Disorder Needs": "Y",
    "Individuals Transitioning from Incarceration": "N", "Birth Equity Population of Focus": "N",
    "Individuals Living in the Community and at Risk for LTC Institutionalization": "N",
    "Nursing Facility Residents Transitioning to Community": "N",
    "Enrolled in CCS or CCS WCM with Additional Needs Beyond the CCS Condition": "N",
    "Involved in Child Welfare": "N",
}


def write_sheet(path: Path, header: Sequence[str], rows: Sequence[dict[str, Any]], *, sheet: str = "RTF") -> Path:
    """A real workbook whose header row is exactly `header`, each row a {header: value} dict."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append([row.get(name) for name in header])
    book.save(path)
    return path
