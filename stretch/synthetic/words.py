"""Names, titles and OKR phrases the synthetic company is made of."""

# (given name, family name) pairs are drawn from these; about a third are Chinese.
ENGLISH_GIVEN = tuple(
    str.split(
        "Alice Amelia Andrew Anna Ben Carlos Charlotte Chloe Daniel David Diana Elena Emily Emma "
        "Ethan Fatima Felix Grace Hannah Henry Isaac Isabel Jack James Julia Kate Laura Leo Liam "
        "Lucas Maria Mark Maya Mia Noah Nora Olivia Omar Oscar Paul Priya Rachel Rosa Ryan Samuel "
        "Sara Sofia Thomas Victor William Zoe"
    )
)
ENGLISH_FAMILY = tuple(
    str.split(
        "Anderson Baker Brown Clark Costa Davies Evans Fischer Garcia Green Hall Harris Hughes "
        "Ivanova Jackson Johnson Kim Larsen Lee Lewis Lopez Martin Miller Moore Murphy Nguyen "
        "Novak Okafor Patel Petrov Roberts Robinson Rossi Ruiz Sato Schmidt Smith Taylor Thomas "
        "Turner Walker Ward White Wilson Wright Young"
    )
)
# Chinese names: (family in characters, given in characters, family pinyin, given pinyin).
CHINESE_FAMILY = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
    ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"),
    ("何", "He"), ("林", "Lin"), ("高", "Gao"), ("罗", "Luo"),
]  # fmt: skip
CHINESE_GIVEN = [
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"),
    ("强", "Qiang"), ("磊", "Lei"), ("洋", "Yang"), ("艳", "Yan"), ("勇", "Yong"),
    ("军", "Jun"), ("杰", "Jie"), ("娟", "Juan"), ("涛", "Tao"), ("明", "Ming"),
    ("超", "Chao"), ("秀英", "Xiuying"), ("晓明", "Xiaoming"), ("嘉怡", "Jiayi"),
    ("子涵", "Zihan"), ("浩然", "Haoran"), ("雨桐", "Yutong"), ("思远", "Siyuan"),
]  # fmt: skip

DEPARTMENTS = [
    "Engineering", "Product", "Sales", "Marketing", "Customer Success", "Operations",
    "Finance", "People", "Design", "Data", "Security", "Legal", "Support", "Research",
]  # fmt: skip
TEAM_WORDS = [
    "Platform", "Payments", "Mobile", "Web", "Infrastructure", "Identity", "Search",
    "Growth", "Billing", "Analytics", "Onboarding", "Partners", "Enterprise", "SMB",
    "EMEA", "APAC", "Americas", "Brand", "Content", "Events", "Recruiting", "Learning",
    "Payroll", "Procurement", "Logistics", "Quality", "Reliability", "Storage", "Networking",
    "Compliance", "Pricing", "Insights", "Machine Learning", "Developer Experience", "Tooling",
    "Accounts", "Renewals", "Field", "Inside Sales", "Community", "Docs", "Localization",
]  # fmt: skip

LEAD_TITLES = {
    0: "Chief Executive Officer",
    1: "Vice President",
    2: "Director",
    3: "Manager",
    4: "Team Lead",
}
MEMBER_TITLES = [
    "Software Engineer", "Senior Software Engineer", "Staff Engineer", "Product Manager",
    "Designer", "Data Analyst", "Account Executive", "Sales Engineer", "Marketing Manager",
    "Customer Success Manager", "Support Specialist", "Recruiter", "Financial Analyst",
    "Operations Specialist", "QA Engineer", "Site Reliability Engineer", "Technical Writer",
    "Security Engineer", "Researcher", "Program Manager",
]  # fmt: skip

PILLARS = [
    ("Delight customers", "Every customer succeeds with us and tells others."),
    ("Grow revenue", "Profitable growth in the markets we chose."),
    ("Scale the platform", "A platform that carries ten times today's load."),
    ("Operational excellence", "Fast, cheap and safe ways of working."),
    ("A great place to work", "People who do the best work of their careers here."),
]
VALUES = [
    ("Customers first", "We start from what the customer needs."),
    ("Own the outcome", "We see a thing through, past the hand-over."),
    ("Say it plainly", "We share bad news early and in few words."),
    ("Learn fast", "We try, measure and change course without blame."),
    ("Win together", "We help each other before we help ourselves."),
]

OBJECTIVE_TITLES = [
    "Make onboarding effortless", "Double the weekly active users", "Win the enterprise market",
    "Make releases a non-event", "Cut the cost of serving a customer", "Delight our top accounts",
    "Build a pipeline for next year", "Make the platform boringly reliable",
    "Launch in two new markets", "Hire the people our plan needs", "Speed up every page",
    "Make support answers instant", "Grow net revenue retention", "Ship the new pricing",
    "Become the easiest product to buy", "Halve the time to resolve incidents",
    "Make data drive every decision", "Build a bench of future leaders", "Close the books faster",
    "Earn the trust of security teams", "Turn trials into customers", "Make search find everything",
    "Make our brand known in Asia", "Cut the on-call load in half", "Automate the manual work",
    "Grow into a senior engineer", "Learn the customer's job deeply", "Mentor two new hires",
    "打造一流的客户体验", "提升平台稳定性", "开拓亚太市场", "让数据驱动每一个决策",
]  # fmt: skip
STRATEGIES = [
    "Focus on the three biggest sources of friction first.",
    "Measure weekly; stop what does not move the number.",
    "Pair with the teams that depend on us.",
    "",
    "",
]

# Key results: (title, kind, direction, start, target, unit); numbers vary around these.
KEY_RESULTS = [
    ("Weekly active users", "metric", "increase", 12000, 20000, "users"),
    ("Net Promoter Score", "metric", "increase", 30, 50, ""),
    ("Annual recurring revenue", "metric", "increase", 8, 12, "M EUR"),
    ("Qualified leads per month", "metric", "increase", 120, 300, "leads"),
    ("Win rate", "metric", "increase", 18, 26, "%"),
    ("Trial to paid conversion", "metric", "increase", 4, 7, "%"),
    ("Deploys per week", "metric", "increase", 5, 20, "deploys"),
    ("Test coverage", "metric", "increase", 55, 80, "%"),
    ("Customer health score", "metric", "increase", 62, 80, ""),
    ("Engineers hired", "metric", "increase", 0, 8, "people"),
    ("p95 page load time", "metric", "decrease", 1800, 800, "ms"),
    ("Support tickets per 100 orders", "metric", "decrease", 6, 3, ""),
    ("Time to resolve incidents", "metric", "decrease", 240, 60, "min"),
    ("Monthly churn", "metric", "decrease", 3.5, 2, "%"),
    ("Cost per transaction", "metric", "decrease", 0.42, 0.3, "EUR"),
    ("On-call pages per week", "metric", "decrease", 30, 10, "pages"),
    ("Days to close the books", "metric", "decrease", 12, 5, "days"),
    ("Monthly uptime", "metric", "range", 99.9, 100, "%"),
    ("Gross margin", "metric", "range", 68, 75, "%"),
    ("Backlog of open bugs", "metric", "range", 40, 80, "bugs"),
    ("Launch the partner portal", "milestone", "increase", 0, 1, ""),
    ("Migrate billing to the new system", "milestone", "increase", 0, 1, ""),
    ("Open the Singapore office", "milestone", "increase", 0, 1, ""),
    ("Publish the security whitepaper", "milestone", "increase", 0, 1, ""),
    ("Ship the redesigned dashboard", "milestone", "increase", 0, 1, ""),
    ("Run the leadership course", "milestone", "increase", 0, 1, ""),
]
MILESTONE_STEPS = [
    "Scope agreed", "Design reviewed", "Beta with five customers", "Security review",
    "Launch", "Training done", "Contract signed", "First hire", "Go-live",
]  # fmt: skip

CHECK_IN_NOTES = [
    "", "", "", "Steady week.", "Good momentum.", "Blocked on a dependency, unblocked Thursday.",
    "Two people out sick; slower week.", "The experiment worked, rolling it out.",
    "Behind plan: re-planning with the team.", "Big customer win this week!", "本周进展顺利。",
    "Waiting for legal review.", "Fixed the data pipeline; numbers are reliable again.",
]  # fmt: skip
COMMENTS = [
    "Great progress! What helped most this week?",
    "Is this still realistic for the quarter? Happy to help.",
    "Nice work. Could we share the **playbook** with the other teams?",
    "The numbers look off compared to last week: is the dashboard right?",
    "We depend on this for our launch; let us know if anything slips.",
    "Thanks for the update. Let's talk about it in our 1:1.",
    "进展很好，继续加油！",
    "Could you add the link to the design doc?",
    "This is the most important objective for us this quarter.",
    "Agreed, let's keep the target.",
]
RECOGNITIONS = [
    "Thank you for staying with the migration until the very last job moved.",
    "You turned a tough customer call into a renewal. Brilliant work!",
    "The runbook you wrote saved us hours during the outage.",
    "Thanks for mentoring the new hires so patiently.",
    "You shipped the release a week early and without a single rollback.",
    "感谢你在项目上的出色表现！",
    "Your analysis changed how we plan the quarter.",
    "You always share bad news early. It makes us all better.",
]
FEEDBACK = [
    "Your presentation was clear and well structured; slow down a little at the start.",
    "I would love to see you speak up more in planning meetings.",
    "The way you handled the incident review was exemplary.",
    "Please write down decisions after meetings; we lost track twice.",
    "You give great code reviews: specific and kind.",
    "谢谢你的帮助，沟通非常顺畅。",
    "Try to break big pieces of work into smaller deliveries.",
]
FEEDBACK_ABOUT = ["The quarterly planning", "Your presentation", "The launch", "Our project"]
AGENDA = [
    "How is the quarter going?", "Blockers this week", "Career goals",
    "Feedback on the last project", "Check-in on key results", "Workload and focus",
    "Holiday planning",
]  # fmt: skip
ACTIONS = [
    "Share the draft plan", "Book time with the data team", "Write the design doc",
    "Ask for feedback from the customer team", "Update the key results", "Sign up for training",
]  # fmt: skip
REVIEW_TEXTS = {
    "went_well": ["We shipped what mattered first.", "Check-ins every week kept us honest."],
    "went_badly": ["We took on too much at once.", "A dependency slipped by three weeks."],
    "learned": ["Smaller bets move faster.", "Ask other teams for help earlier."],
    "change_next": ["Fewer objectives, sharper key results.", "Agree dependencies up front."],
}
REFLECTIONS = [
    "We underestimated the migration; next time we will spike it first.",
    "A dependency on another team slipped; we will agree dates up front.",
    "We spread ourselves too thin; fewer objectives next quarter.",
]
KPIS = [
    ("Uptime", "%", {"band": "above", "green": 99.9, "red": 99.5}, 99.9, 0.08),
    ("Support tickets per 100 orders", "", {"band": "below", "green": 2, "red": 4}, 2.2, 0.8),
    ("Customer satisfaction", "", {"band": "above", "green": 4.3, "red": 3.8}, 4.3, 0.25),
    ("Gross margin", "%", {"band": "within", "green_low": 68, "green_high": 75,
                           "red_low": 62, "red_high": 80}, 71, 3),
    ("Lead response time", "h", {"band": "below", "green": 4, "red": 12}, 5, 3),
    ("Employee engagement", "", {"band": "above", "green": 75, "red": 60}, 74, 5),
]  # fmt: skip
