"""What the sample database generator draws from: places, names, the product catalog, status mixes.

Plain data, kept out of sample_db.py so the generator logic reads on one screen. Weights are percentages
(or relative weights) for `random.choices`; changing anything here changes the data, so bump
sample_db.SCHEMA_VERSION too.
"""

# fmt: off
PLACES = {
    "United States": ["New York", "San Francisco", "Chicago", "Austin", "Seattle"],
    "Germany": ["Berlin", "Munich", "Hamburg", "Cologne"],
    "United Kingdom": ["London", "Manchester", "Edinburgh"],
    "France": ["Paris", "Lyon", "Marseille"],
    "Canada": ["Toronto", "Vancouver", "Montreal"],
    "Japan": ["Tokyo", "Osaka", "Kyoto"],
    "Brazil": ["Sao Paulo", "Rio de Janeiro"],
    "India": ["Bangalore", "Mumbai", "Delhi"],
    "Australia": ["Sydney", "Melbourne"],
    "Spain": ["Madrid", "Barcelona"],
    "Netherlands": ["Amsterdam", "Rotterdam"],
    "Sweden": ["Stockholm", "Gothenburg"],
}
COUNTRY_WEIGHTS = [24, 12, 11, 9, 8, 7, 6, 6, 5, 5, 4, 3]
SEGMENTS = (["Consumer", "Small Business", "Enterprise"], [60, 28, 12])
FIRST = (
    "Ada Alan Ana Ben Chloe Dan Elena Eva Felix Grace Hana Ivan Jade Jonas Kai Lara Leo Lina Marco Maya "
    "Mia Nina Noah Omar Paul Priya Rosa Sam Sara Tom Uma Vera Yuki Zoe".split()
)
LAST = (
    "Andersen Bauer Chen Costa Dubois Evans Fischer Garcia Hoffmann Ito Jensen Khan Kowalski Lopez "
    "Martin Meyer Nakamura Novak Olsen Patel Rossi Schmidt Silva Smith Tanaka Weber Wilson Young".split()
)
CATALOG = {
    "Electronics": (
        [
            "Wireless Earbuds",
            "USB-C Hub",
            "Mechanical Keyboard",
            "4K Monitor",
            "Webcam",
            "Portable SSD",
            "Smart Speaker",
            "Noise-Cancelling Headphones",
            "Laptop Stand",
            "Wireless Mouse",
            "Power Bank",
            "E-Reader",
        ],
        (19, 420),
    ),
    "Home": (
        [
            "Ceramic Mug Set",
            "French Press",
            "Linen Sheets",
            "Desk Lamp",
            "Scented Candle",
            "Throw Blanket",
            "Cast Iron Pan",
            "Chef Knife",
            "Bamboo Cutting Board",
            "Air Purifier",
        ],
        (12, 260),
    ),
    "Office": (
        [
            "Notebook Pack",
            "Fountain Pen",
            "Ergonomic Chair",
            "Standing Desk",
            "Whiteboard",
            "Desk Organizer",
            "Paper Shredder",
            "Label Maker",
        ],
        (6, 650),
    ),
    "Outdoor": (
        [
            "Hiking Backpack",
            "Water Bottle",
            "Camping Tent",
            "Trekking Poles",
            "Sleeping Bag",
            "Headlamp",
            "Rain Jacket",
            "Picnic Blanket",
        ],
        (15, 340),
    ),
    "Sports": (
        [
            "Yoga Mat",
            "Dumbbell Set",
            "Running Shoes",
            "Jump Rope",
            "Resistance Bands",
            "Foam Roller",
            "Cycling Gloves",
            "Tennis Racket",
        ],
        (9, 230),
    ),
    "Books": (
        [
            "SQL Cookbook",
            "Data Pipelines Handbook",
            "Python Tricks",
            "Designing Systems",
            "Statistics Primer",
            "Cooking for Engineers",
            "The Pragmatic Analyst",
        ],
        (14, 65),
    ),
    "Toys": (
        [
            "Building Blocks",
            "Puzzle 1000",
            "Board Game Classic",
            "Remote Control Car",
            "Plush Bear",
            "Science Kit",
            "Card Game",
        ],
        (8, 120),
    ),
}
ORDER_STATUS = (["delivered", "shipped", "processing", "cancelled", "returned"], [70, 10, 6, 9, 5])
TICKET_PRIORITY = (["low", "medium", "high", "urgent"], [35, 40, 18, 7])
TICKET_STATUS = (["open", "pending", "resolved", "closed"], [15, 10, 45, 30])
SUBJECTS = [
    "Late delivery",
    "Damaged item",
    "Refund request",
    "Wrong item received",
    "Invoice question",
    "Cannot log in",
    "Change shipping address",
    "Product question",
    "Warranty claim",
    "Cancel my order",
    "Discount code not working",
    "Missing parts",
]
# fmt: on
