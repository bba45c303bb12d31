// Named constants the scenarios are built from: real cities with their coordinates, the networks
// (ASNs and address pools) users and attackers come from, devices with plausible user agents, and
// the applications they sign in to. The trusted and suspicious networks match the reference lists
// in `rules/lists/` (office 198.51.100.0/24, corporate VPN 203.0.113.0/24, corporate ASN 64500,
// VPN ASNs 9009/212238/60068, hosting ASNs 14061/16509/24940/20473/63949/396982/36352).

/// A city as geolocation reports it.
struct Place: Sendable, Equatable {
  var city: String
  var state: String
  /// ISO 3166-1 alpha-2, as Entra writes `countryOrRegion`.
  var countryCode: String
  /// Okta writes the full name.
  var countryName: String
  var postalCode: String
  var latitude: Double
  var longitude: Double
  /// Offset from UTC on 2026-03-10 (US daylight time had begun, Europe's had not).
  var utcOffsetMinutes: Int
}

enum Places {
  static let seattle = Place(city: "Seattle", state: "Washington", countryCode: "US", countryName: "United States", postalCode: "98101", latitude: 47.6062, longitude: -122.3321, utcOffsetMinutes: -420)
  static let sanFrancisco = Place(city: "San Francisco", state: "California", countryCode: "US", countryName: "United States", postalCode: "94105", latitude: 37.7749, longitude: -122.4194, utcOffsetMinutes: -420)
  static let denver = Place(city: "Denver", state: "Colorado", countryCode: "US", countryName: "United States", postalCode: "80202", latitude: 39.7392, longitude: -104.9903, utcOffsetMinutes: -360)
  static let austin = Place(city: "Austin", state: "Texas", countryCode: "US", countryName: "United States", postalCode: "78701", latitude: 30.2672, longitude: -97.7431, utcOffsetMinutes: -300)
  static let chicago = Place(city: "Chicago", state: "Illinois", countryCode: "US", countryName: "United States", postalCode: "60601", latitude: 41.8781, longitude: -87.6298, utcOffsetMinutes: -300)
  static let atlanta = Place(city: "Atlanta", state: "Georgia", countryCode: "US", countryName: "United States", postalCode: "30303", latitude: 33.7490, longitude: -84.3880, utcOffsetMinutes: -240)
  static let newYork = Place(city: "New York", state: "New York", countryCode: "US", countryName: "United States", postalCode: "10013", latitude: 40.7128, longitude: -74.0060, utcOffsetMinutes: -240)
  static let boston = Place(city: "Boston", state: "Massachusetts", countryCode: "US", countryName: "United States", postalCode: "02110", latitude: 42.3601, longitude: -71.0589, utcOffsetMinutes: -240)
  static let ashburn = Place(city: "Ashburn", state: "Virginia", countryCode: "US", countryName: "United States", postalCode: "20147", latitude: 39.0438, longitude: -77.4874, utcOffsetMinutes: -240)
  static let newark = Place(city: "Newark", state: "New Jersey", countryCode: "US", countryName: "United States", postalCode: "07102", latitude: 40.7357, longitude: -74.1724, utcOffsetMinutes: -240)
  static let buffalo = Place(city: "Buffalo", state: "New York", countryCode: "US", countryName: "United States", postalCode: "14202", latitude: 42.8864, longitude: -78.8784, utcOffsetMinutes: -240)
  static let toronto = Place(city: "Toronto", state: "Ontario", countryCode: "CA", countryName: "Canada", postalCode: "M5H", latitude: 43.6532, longitude: -79.3832, utcOffsetMinutes: -240)
  static let london = Place(city: "London", state: "England", countryCode: "GB", countryName: "United Kingdom", postalCode: "EC2V", latitude: 51.5074, longitude: -0.1278, utcOffsetMinutes: 0)
  static let manchester = Place(city: "Manchester", state: "England", countryCode: "GB", countryName: "United Kingdom", postalCode: "M1", latitude: 53.4808, longitude: -2.2426, utcOffsetMinutes: 0)
  static let dublin = Place(city: "Dublin", state: "Leinster", countryCode: "IE", countryName: "Ireland", postalCode: "D02", latitude: 53.3498, longitude: -6.2603, utcOffsetMinutes: 0)
  static let paris = Place(city: "Paris", state: "Ile-de-France", countryCode: "FR", countryName: "France", postalCode: "75001", latitude: 48.8566, longitude: 2.3522, utcOffsetMinutes: 60)
  static let amsterdam = Place(city: "Amsterdam", state: "North Holland", countryCode: "NL", countryName: "Netherlands", postalCode: "1012", latitude: 52.3676, longitude: 4.9041, utcOffsetMinutes: 60)
  static let berlin = Place(city: "Berlin", state: "Land Berlin", countryCode: "DE", countryName: "Germany", postalCode: "10115", latitude: 52.5200, longitude: 13.4050, utcOffsetMinutes: 60)
  static let frankfurt = Place(city: "Frankfurt am Main", state: "Hesse", countryCode: "DE", countryName: "Germany", postalCode: "60313", latitude: 50.1109, longitude: 8.6821, utcOffsetMinutes: 60)
  static let nuremberg = Place(city: "Nuremberg", state: "Bavaria", countryCode: "DE", countryName: "Germany", postalCode: "90402", latitude: 49.4521, longitude: 11.0767, utcOffsetMinutes: 60)
  static let madrid = Place(city: "Madrid", state: "Madrid", countryCode: "ES", countryName: "Spain", postalCode: "28013", latitude: 40.4168, longitude: -3.7038, utcOffsetMinutes: 60)
  static let stockholm = Place(city: "Stockholm", state: "Stockholm County", countryCode: "SE", countryName: "Sweden", postalCode: "111 20", latitude: 59.3293, longitude: 18.0686, utcOffsetMinutes: 60)
  static let moscow = Place(city: "Moscow", state: "Moscow", countryCode: "RU", countryName: "Russia", postalCode: "101000", latitude: 55.7558, longitude: 37.6173, utcOffsetMinutes: 180)
  static let bengaluru = Place(city: "Bengaluru", state: "Karnataka", countryCode: "IN", countryName: "India", postalCode: "560001", latitude: 12.9716, longitude: 77.5946, utcOffsetMinutes: 330)
  static let singapore = Place(city: "Singapore", state: "Singapore", countryCode: "SG", countryName: "Singapore", postalCode: "018956", latitude: 1.3521, longitude: 103.8198, utcOffsetMinutes: 480)
  static let tokyo = Place(city: "Tokyo", state: "Tokyo", countryCode: "JP", countryName: "Japan", postalCode: "100-0005", latitude: 35.6762, longitude: 139.6503, utcOffsetMinutes: 540)
  static let sydney = Place(city: "Sydney", state: "New South Wales", countryCode: "AU", countryName: "Australia", postalCode: "2000", latitude: -33.8688, longitude: 151.2093, utcOffsetMinutes: 660)
}

/// An autonomous system and the address blocks we draw its users' addresses from.
struct Operator: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case residential, mobile
    /// The company's own egress: trusted by CIDR and by ASN.
    case corporate
    /// A third-party secure web gateway: one ASN, addresses spread over many /24s, not trusted.
    case cloudProxy
    case hosting, consumerVPN
  }

  var asn: UInt32
  var asOrg: String
  var isp: String
  var domain: String
  var kind: Kind
  /// Address blocks: "a.b.c" is a /24, "x:y:z" an IPv6 /48.
  var blocks: [String]
}

enum Operators {
  // Residential and mobile carriers.
  static let comcast = Operator(asn: 7922, asOrg: "Comcast Cable Communications, LLC", isp: "Comcast Cable", domain: "comcast.net", kind: .residential, blocks: ["73.53.118", "73.97.41", "24.22.160", "67.183.12", "98.226.14", "73.44.201", "24.61.12", "73.95.30"])
  static let comcastV6 = Operator(asn: 7922, asOrg: "Comcast Cable Communications, LLC", isp: "Comcast Cable", domain: "comcast.net", kind: .residential, blocks: ["2601:600:8a80", "2601:1c0:c501", "2601:282:4d00"])
  static let verizonFios = Operator(asn: 701, asOrg: "Verizon Business", isp: "Verizon Fios", domain: "verizon.net", kind: .residential, blocks: ["72.89.17", "96.232.104", "108.6.55", "71.105.30"])
  static let att = Operator(asn: 7018, asOrg: "AT&T Services, Inc.", isp: "AT&T U-verse", domain: "att.net", kind: .residential, blocks: ["99.104.33", "108.210.67", "76.228.19", "107.128.44"])
  static let spectrum = Operator(asn: 11427, asOrg: "Charter Communications Inc", isp: "Spectrum", domain: "charter.com", kind: .residential, blocks: ["70.120.33", "24.28.91", "97.99.120"])
  static let sonic = Operator(asn: 46375, asOrg: "Sonic Telecom LLC", isp: "Sonic", domain: "sonic.net", kind: .residential, blocks: ["157.131.200", "50.1.96"])
  static let googleFiber = Operator(asn: 16591, asOrg: "Google Fiber Inc.", isp: "Google Fiber", domain: "googlefiber.net", kind: .residential, blocks: ["136.49.8", "136.56.120"])
  static let rogers = Operator(asn: 812, asOrg: "Rogers Communications Canada Inc.", isp: "Rogers", domain: "rogers.com", kind: .residential, blocks: ["99.230.14", "174.112.60"])
  static let bt = Operator(asn: 2856, asOrg: "British Telecommunications PLC", isp: "BT", domain: "bt.com", kind: .residential, blocks: ["86.150.33", "81.149.120", "109.150.201"])
  static let virginMedia = Operator(asn: 5089, asOrg: "Virgin Media Limited", isp: "Virgin Media", domain: "virginmedia.com", kind: .residential, blocks: ["82.34.117", "86.24.61", "92.236.12"])
  static let eir = Operator(asn: 5466, asOrg: "Eircom Limited", isp: "eir", domain: "eir.ie", kind: .residential, blocks: ["86.44.18", "159.134.52"])
  static let orange = Operator(asn: 3215, asOrg: "Orange S.A.", isp: "Orange", domain: "orange.fr", kind: .residential, blocks: ["90.24.118", "86.246.33", "92.154.40"])
  static let kpn = Operator(asn: 1136, asOrg: "KPN B.V.", isp: "KPN", domain: "kpn.com", kind: .residential, blocks: ["77.169.30", "84.24.118"])
  static let telekom = Operator(asn: 3320, asOrg: "Deutsche Telekom AG", isp: "Deutsche Telekom", domain: "telekom.de", kind: .residential, blocks: ["79.200.14", "87.147.66", "93.207.128"])
  static let movistar = Operator(asn: 3352, asOrg: "Telefonica de Espana S.A.U.", isp: "Movistar", domain: "telefonica.es", kind: .residential, blocks: ["83.35.120", "88.9.201"])
  static let telia = Operator(asn: 3301, asOrg: "Telia Company AB", isp: "Telia", domain: "telia.se", kind: .residential, blocks: ["78.72.130", "81.228.64"])
  static let rostelecom = Operator(asn: 12389, asOrg: "PJSC Rostelecom", isp: "Rostelecom", domain: "rt.ru", kind: .residential, blocks: ["95.24.117", "178.66.140", "5.164.33"])
  static let jio = Operator(asn: 55836, asOrg: "Reliance Jio Infocomm Limited", isp: "Reliance Jio", domain: "jio.com", kind: .residential, blocks: ["49.36.113", "106.213.80"])
  static let singtel = Operator(asn: 9506, asOrg: "Singtel Fibre Broadband", isp: "Singtel", domain: "singtel.com", kind: .residential, blocks: ["116.86.40", "118.200.77"])
  static let ntt = Operator(asn: 4713, asOrg: "NTT Communications Corporation", isp: "OCN", domain: "ocn.ne.jp", kind: .residential, blocks: ["153.156.20", "180.15.88"])
  static let telstra = Operator(asn: 1221, asOrg: "Telstra Limited", isp: "Telstra Internet", domain: "telstra.com.au", kind: .residential, blocks: ["101.165.33", "120.148.201", "58.173.90"])
  static let tmobile = Operator(asn: 21928, asOrg: "T-Mobile USA, Inc.", isp: "T-Mobile USA", domain: "t-mobile.com", kind: .mobile, blocks: ["172.56.41", "172.56.160", "172.58.130", "172.59.201", "172.58.7", "172.56.99", "172.59.66", "172.58.210", "172.56.12", "172.59.140"])
  static let verizonWireless = Operator(asn: 22394, asOrg: "Verizon Wireless", isp: "Verizon Wireless", domain: "verizonwireless.com", kind: .mobile, blocks: ["174.205.17", "174.207.130", "97.133.88"])
  static let ee = Operator(asn: 12576, asOrg: "EE Limited", isp: "EE Mobile", domain: "ee.co.uk", kind: .mobile, blocks: ["31.94.18", "213.205.194"])

  // The company's own egress (trusted by the reference lists).
  static let contosoOffice = Operator(asn: 64500, asOrg: "Contoso Ltd", isp: "Contoso Ltd", domain: "contoso.example", kind: .corporate, blocks: ["198.51.100"])
  static let contosoVPN = Operator(asn: 64500, asOrg: "Contoso Ltd", isp: "Contoso Ltd", domain: "contoso.example", kind: .corporate, blocks: ["203.0.113"])

  // A secure web gateway in front of a branch office: not on the trusted lists.
  static let zscaler = Operator(asn: 62044, asOrg: "Zscaler, Inc.", isp: "Zscaler", domain: "zscaler.net", kind: .cloudProxy, blocks: ["165.225.0", "165.225.8", "165.225.10", "165.225.12", "165.225.26", "165.225.36", "165.225.38", "165.225.56", "165.225.60", "165.225.72"])

  // Hosting (attackers' and integrations' infrastructure).
  static let digitalOcean = Operator(asn: 14061, asOrg: "DigitalOcean, LLC", isp: "DigitalOcean", domain: "digitalocean.com", kind: .hosting, blocks: ["188.166.17", "167.99.41", "178.62.193", "159.223.8"])
  static let amazon = Operator(asn: 16509, asOrg: "Amazon.com, Inc.", isp: "Amazon Technologies Inc.", domain: "amazonaws.com", kind: .hosting, blocks: ["3.85.114", "54.164.37", "44.202.9", "52.23.160"])
  static let hetzner = Operator(asn: 24940, asOrg: "Hetzner Online GmbH", isp: "Hetzner Online GmbH", domain: "your-server.de", kind: .hosting, blocks: ["88.198.52", "78.46.91", "116.202.33"])
  static let vultr = Operator(asn: 20473, asOrg: "The Constant Company, LLC", isp: "Vultr Holdings LLC", domain: "vultr.com", kind: .hosting, blocks: ["45.76.88", "45.32.153", "140.82.40"])
  static let linode = Operator(asn: 63949, asOrg: "Akamai Connected Cloud", isp: "Linode", domain: "linode.com", kind: .hosting, blocks: ["172.105.14", "45.79.180", "139.144.32"])
  static let googleCloud = Operator(asn: 396982, asOrg: "Google LLC", isp: "Google Cloud", domain: "googleusercontent.com", kind: .hosting, blocks: ["34.106.12", "35.203.140", "34.145.77"])
  static let colocrossing = Operator(asn: 36352, asOrg: "HostPapa", isp: "ColoCrossing", domain: "colocrossing.com", kind: .hosting, blocks: ["192.3.176", "107.172.30", "198.46.150"])

  // Consumer VPN exits.
  static let m247 = Operator(asn: 9009, asOrg: "M247 Europe SRL", isp: "M247 Ltd", domain: "m247.com", kind: .consumerVPN, blocks: ["37.120.205", "146.70.116", "193.27.12"])
  static let datacamp = Operator(asn: 212238, asOrg: "Datacamp Limited", isp: "Datacamp Limited", domain: "datacamp.co.uk", kind: .consumerVPN, blocks: ["89.187.178", "143.244.41", "185.152.64"])
  static let cdn77 = Operator(asn: 60068, asOrg: "Datacamp Limited", isp: "CDN77", domain: "cdn77.com", kind: .consumerVPN, blocks: ["195.181.168", "185.59.221"])
}

/// Where a user lives and which home broadband they have: real pairings of city and carrier.
struct Residence: Sendable {
  var place: Place
  var home: Operator
  var mobile: Operator
}

enum Residences {
  static let all: [Residence] = [
    Residence(place: Places.seattle, home: Operators.comcast, mobile: Operators.tmobile),
    Residence(place: Places.seattle, home: Operators.comcastV6, mobile: Operators.tmobile),
    Residence(place: Places.sanFrancisco, home: Operators.sonic, mobile: Operators.verizonWireless),
    Residence(place: Places.denver, home: Operators.comcast, mobile: Operators.tmobile),
    Residence(place: Places.austin, home: Operators.spectrum, mobile: Operators.tmobile),
    Residence(place: Places.chicago, home: Operators.comcast, mobile: Operators.verizonWireless),
    Residence(place: Places.atlanta, home: Operators.att, mobile: Operators.tmobile),
    Residence(place: Places.newYork, home: Operators.verizonFios, mobile: Operators.verizonWireless),
    Residence(place: Places.boston, home: Operators.comcast, mobile: Operators.tmobile),
    Residence(place: Places.toronto, home: Operators.rogers, mobile: Operators.rogers),
    Residence(place: Places.london, home: Operators.bt, mobile: Operators.ee),
    Residence(place: Places.manchester, home: Operators.virginMedia, mobile: Operators.ee),
    Residence(place: Places.dublin, home: Operators.eir, mobile: Operators.eir),
    Residence(place: Places.paris, home: Operators.orange, mobile: Operators.orange),
    Residence(place: Places.amsterdam, home: Operators.kpn, mobile: Operators.kpn),
    Residence(place: Places.berlin, home: Operators.telekom, mobile: Operators.telekom),
    Residence(place: Places.madrid, home: Operators.movistar, mobile: Operators.movistar),
    Residence(place: Places.stockholm, home: Operators.telia, mobile: Operators.telia),
    Residence(place: Places.bengaluru, home: Operators.jio, mobile: Operators.jio),
    Residence(place: Places.singapore, home: Operators.singtel, mobile: Operators.singtel),
    Residence(place: Places.tokyo, home: Operators.ntt, mobile: Operators.ntt),
    Residence(place: Places.sydney, home: Operators.telstra, mobile: Operators.telstra),
  ]
}

/// A browser or app as the logs describe it.
struct DeviceModel: Sendable {
  var userAgent: String
  /// Entra `deviceDetail.operatingSystem` and `browser`.
  var entraOS: String
  var entraBrowser: String
  /// Okta `client.userAgent.os` and `browser`, `client.device`.
  var oktaOS: String
  var oktaBrowser: String
  var oktaDevice: String
  var isMobile: Bool
  var displayNamePrefix: String
}

enum DeviceModels {
  static let windowsEdge = DeviceModel(userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", entraOS: "Windows 10", entraBrowser: "Edge 131.0.2903", oktaOS: "Windows 10", oktaBrowser: "EDGE", oktaDevice: "Computer", isMobile: false, displayNamePrefix: "CONTOSO-LT")
  static let windowsChrome = DeviceModel(userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", entraOS: "Windows 10", entraBrowser: "Chrome 131.0.0", oktaOS: "Windows 10", oktaBrowser: "CHROME", oktaDevice: "Computer", isMobile: false, displayNamePrefix: "DESKTOP-")
  static let macChrome = DeviceModel(userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", entraOS: "MacOs", entraBrowser: "Chrome 131.0.0", oktaOS: "Mac OS X", oktaBrowser: "CHROME", oktaDevice: "Computer", isMobile: false, displayNamePrefix: "MBP-")
  static let macSafari = DeviceModel(userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15", entraOS: "MacOs", entraBrowser: "Safari 18.2", oktaOS: "Mac OS X", oktaBrowser: "SAFARI", oktaDevice: "Computer", isMobile: false, displayNamePrefix: "MBA-")
  static let macFirefox = DeviceModel(userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", entraOS: "MacOs", entraBrowser: "Firefox 133.0", oktaOS: "Mac OS X", oktaBrowser: "FIREFOX", oktaDevice: "Computer", isMobile: false, displayNamePrefix: "MBP-")
  static let outlookDesktop = DeviceModel(userAgent: "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)", entraOS: "Windows 10", entraBrowser: "", oktaOS: "Windows 10", oktaBrowser: "UNKNOWN", oktaDevice: "Computer", isMobile: false, displayNamePrefix: "CONTOSO-LT")
  static let iPhoneSafari = DeviceModel(userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1", entraOS: "Ios 18.2", entraBrowser: "Mobile Safari 18.2", oktaOS: "iOS", oktaBrowser: "SAFARI", oktaDevice: "Mobile", isMobile: true, displayNamePrefix: "iPhone-")
  static let outlookIOS = DeviceModel(userAgent: "Outlook-iOS/723.4712512.prod.iphone (4.2503.0)", entraOS: "Ios 18.2", entraBrowser: "", oktaOS: "iOS", oktaBrowser: "UNKNOWN", oktaDevice: "Mobile", isMobile: true, displayNamePrefix: "iPhone-")
  static let androidChrome = DeviceModel(userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36", entraOS: "Android 14", entraBrowser: "Chrome Mobile 131.0.6778", oktaOS: "Android", oktaBrowser: "CHROME", oktaDevice: "Mobile", isMobile: true, displayNamePrefix: "Pixel-")
  static let teamsAndroid = DeviceModel(userAgent: "Dalvik/2.1.0 (Linux; U; Android 14; SM-S921U Build/UP1A.231005.007) Teams/1416/1.0.0.2024195802", entraOS: "Android 14", entraBrowser: "", oktaOS: "Android", oktaBrowser: "UNKNOWN", oktaDevice: "Mobile", isMobile: true, displayNamePrefix: "Galaxy-")

  static let desktops = [windowsEdge, windowsChrome, macChrome, macSafari, macFirefox, outlookDesktop]
  static let phones = [iPhoneSafari, outlookIOS, androidChrome, teamsAndroid]

  // Non-browser clients.
  static let pythonRequests = DeviceModel(userAgent: "python-requests/2.31.0", entraOS: "", entraBrowser: "Python Requests 2.31", oktaOS: "Unknown", oktaBrowser: "UNKNOWN", oktaDevice: "Unknown", isMobile: false, displayNamePrefix: "")
  static let goHTTP = DeviceModel(userAgent: "Go-http-client/2.0", entraOS: "", entraBrowser: "", oktaOS: "Unknown", oktaBrowser: "UNKNOWN", oktaDevice: "Unknown", isMobile: false, displayNamePrefix: "")
  static let agentRuntime = DeviceModel(userAgent: "contoso-agent-runtime/2.4.1 python-httpx/0.27.2", entraOS: "Linux", entraBrowser: "", oktaOS: "Linux", oktaBrowser: "UNKNOWN", oktaDevice: "Unknown", isMobile: false, displayNamePrefix: "")
  static let driftIntegration = DeviceModel(userAgent: "Drift-Salesforce-Sync/3.14 (+https://www.drift.example/integrations)", entraOS: "", entraBrowser: "", oktaOS: "Unknown", oktaBrowser: "UNKNOWN", oktaDevice: "Unknown", isMobile: false, displayNamePrefix: "")
  static let backupIntegration = DeviceModel(userAgent: "Veeam-Backup-M365/7.0.0.2385", entraOS: "", entraBrowser: "", oktaOS: "Unknown", oktaBrowser: "UNKNOWN", oktaDevice: "Unknown", isMobile: false, displayNamePrefix: "")
  static let salesforceDataLoader = DeviceModel(userAgent: "python-simple-salesforce/1.12.6", entraOS: "", entraBrowser: "", oktaOS: "Unknown", oktaBrowser: "UNKNOWN", oktaDevice: "Unknown", isMobile: false, displayNamePrefix: "")
}

/// A first-party or registered Entra application (real application ids).
struct EntraApp: Sendable, Equatable {
  var id: String
  var name: String
}

enum EntraApps {
  static let officeHome = EntraApp(id: "4765445b-32c6-49b0-83e6-1d93765276ca", name: "OfficeHome")
  static let microsoftOffice = EntraApp(id: "d3590ed6-52b3-4102-aeff-aad2292ab01c", name: "Microsoft Office")
  static let teams = EntraApp(id: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", name: "Microsoft Teams")
  static let outlookMobile = EntraApp(id: "27922004-5251-4030-b22d-91ecd9a37ea4", name: "Outlook Mobile")
  static let authBroker = EntraApp(id: "29d9ed98-a469-4536-ade2-f981bc1d605e", name: "Microsoft Authentication Broker")
  static let azurePortal = EntraApp(id: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", name: "Azure Portal")
  static let azureCLI = EntraApp(id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", name: "Microsoft Azure CLI")
  static let oneDrive = EntraApp(id: "ab9b8c07-8f02-4f72-87fa-80105867a763", name: "OneDrive SyncEngine")
  static let graphExplorer = EntraApp(id: "de8bc8b5-d9f9-48b1-a8ad-b748da725064", name: "Graph Explorer")

  // Resources (audiences).
  static let graph = EntraApp(id: "00000003-0000-0000-c000-000000000000", name: "Microsoft Graph")
  static let exchange = EntraApp(id: "00000002-0000-0ff1-ce00-000000000000", name: "Office 365 Exchange Online")
  static let sharePoint = EntraApp(id: "00000003-0000-0ff1-ce00-000000000000", name: "Office 365 SharePoint Online")
  static let azureManagement = EntraApp(id: "797f4846-ba00-4fd7-ba43-dac1f8f63013", name: "Windows Azure Service Management API")

  static let browserApps = [officeHome, microsoftOffice, teams, oneDrive]
  static let resources = [graph, exchange, sharePoint]
}

/// One Graph request a user or an attacker makes.
struct GraphRequest: Sendable {
  var method: String
  var path: String
  var responseBytes: ClosedRange<Int>
  var scopes: String
}

enum GraphRequests {
  static let me = GraphRequest(method: "GET", path: "/v1.0/me", responseBytes: 900...1400, scopes: "openid profile User.Read email")
  static let messages = GraphRequest(method: "GET", path: "/v1.0/me/mailFolders/inbox/messages?$top=25&$select=subject,from,receivedDateTime", responseBytes: 18_000...64_000, scopes: "Mail.Read User.Read openid profile")
  static let events = GraphRequest(method: "GET", path: "/v1.0/me/calendarView?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z", responseBytes: 6_000...22_000, scopes: "Calendars.Read User.Read openid profile")
  static let drive = GraphRequest(method: "GET", path: "/v1.0/me/drive/root/children", responseBytes: 3_000...12_000, scopes: "Files.Read User.Read openid profile")
  static let joinedTeams = GraphRequest(method: "GET", path: "/v1.0/me/joinedTeams", responseBytes: 1_200...5_000, scopes: "Team.ReadBasic.All User.Read openid profile")
  static let photo = GraphRequest(method: "GET", path: "/v1.0/me/photos/96x96/$value", responseBytes: 2_000...4_000, scopes: "User.Read openid profile")
  static let presence = GraphRequest(method: "GET", path: "/beta/me/presence", responseBytes: 300...420, scopes: "Presence.Read User.Read openid profile")
  static let sendMail = GraphRequest(method: "POST", path: "/v1.0/me/sendMail", responseBytes: 0...0, scopes: "Mail.Send Mail.Read User.Read openid profile")

  // What token thieves do first: enumerate, read mail, create forwarding rules, dump files.
  static let enumerateUsers = GraphRequest(method: "GET", path: "/v1.0/users?$select=displayName,mail,jobTitle&$top=999", responseBytes: 240_000...480_000, scopes: "User.ReadBasic.All Mail.Read openid profile")
  static let readAllMail = GraphRequest(method: "GET", path: "/v1.0/me/messages?$top=1000&$select=subject,body,from", responseBytes: 900_000...2_400_000, scopes: "Mail.Read User.Read openid profile")
  static let inboxRule = GraphRequest(method: "POST", path: "/v1.0/me/mailFolders/inbox/messageRules", responseBytes: 600...900, scopes: "MailboxSettings.ReadWrite Mail.Read openid profile")
  static let searchFiles = GraphRequest(method: "POST", path: "/v1.0/search/query", responseBytes: 40_000...120_000, scopes: "Files.Read.All Sites.Read.All openid profile")

  static let everyday = [me, messages, messages, events, drive, joinedTeams, photo, presence, presence, sendMail]
  static let attacker = [enumerateUsers, readAllMail, inboxRule, searchFiles]
}

/// An Okta app instance (`target[]` of `user.authentication.sso`).
struct OktaApp: Sendable, Equatable {
  var id: String
  var name: String
  var signOnMode: String
  var ssoPath: String
}

enum OktaApps {
  static let salesforce = OktaApp(id: "0oa1k2x9z8YbQ3nWd697", name: "Salesforce.com", signOnMode: "SAML_2_0", ssoPath: "/app/salesforce/exk1k2x9z8YbQ3nWd697/sso/saml")
  static let slack = OktaApp(id: "0oa4fh21pqRt7uVw0697", name: "Slack", signOnMode: "SAML_2_0", ssoPath: "/app/slack/exk4fh21pqRt7uVw0697/sso/saml")
  static let zoom = OktaApp(id: "0oa7vb93mnLx2KcJ1697", name: "Zoom", signOnMode: "SAML_2_0", ssoPath: "/app/zoomus/exk7vb93mnLx2KcJ1697/sso/saml")
  static let github = OktaApp(id: "0oa9qz55tgHs8PdE2697", name: "GitHub Enterprise Cloud", signOnMode: "SAML_2_0", ssoPath: "/app/githubcloud/exk9qz55tgHs8PdE2697/sso/saml")
  static let workday = OktaApp(id: "0oa2mm70cdWe4YtR3697", name: "Workday", signOnMode: "SAML_2_0", ssoPath: "/app/workday/exk2mm70cdWe4YtR3697/sso/saml")
  static let box = OktaApp(id: "0oa6ja18ruBn5XoQ4697", name: "Box", signOnMode: "SAML_2_0", ssoPath: "/app/box/exk6ja18ruBn5XoQ4697/sso/saml")
  static let googleWorkspace = OktaApp(id: "0oa3ce47wxZa9LiU5697", name: "Google Workspace", signOnMode: "SAML_2_0", ssoPath: "/app/google/exk3ce47wxZa9LiU5697/sso/saml")
  static let atlassian = OktaApp(id: "0oa8sd62hjQk1MfP6697", name: "Atlassian Cloud", signOnMode: "SAML_2_0", ssoPath: "/app/atlassian/exk8sd62hjQk1MfP6697/sso/saml")
  static let awsIdentityCenter = OktaApp(id: "0oa5ty34klVc6NbG7697", name: "AWS IAM Identity Center", signOnMode: "SAML_2_0", ssoPath: "/app/amazon_aws_sso/exk5ty34klVc6NbG7697/sso/saml")

  static let all = [salesforce, slack, zoom, github, workday, box, googleWorkspace, atlassian, awsIdentityCenter]
}

/// Applications named in native events.
enum NativeApps {
  static let everyday = ["crm-web", "wiki", "expenses", "hr-portal", "code-review", "ticketing", "file-share"]
  static let erp = "erp-api"
  static let crm = "salesforce-api"
  static let backup = "m365-backup-api"
  static let warehouse = "data-warehouse"
  static let deploy = "deploy-api"
}

/// Names for synthetic people.
enum Names {
  static let first = [
    "Aaliyah", "Aarav", "Abigail", "Adrian", "Aisha", "Alejandro", "Amara", "Amelia", "Andre", "Anika",
    "Ayumi", "Beatriz", "Benjamin", "Bilal", "Camila", "Carlos", "Chen", "Chloe", "Daniel", "Dana",
    "Deepika", "Diego", "Elena", "Elif", "Emeka", "Emma", "Farah", "Felix", "Fatima", "Gabriel",
    "Grace", "Hana", "Hannah", "Hiroshi", "Ibrahim", "Ines", "Isaac", "Ivan", "Jamal", "Jasmine",
    "Javier", "Jonas", "Julia", "Kai", "Kavya", "Kenji", "Laila", "Leah", "Liam", "Lucas",
    "Maya", "Marcus", "Mateo", "Mei", "Mohammed", "Nadia", "Naomi", "Nikhil", "Noah", "Olivia",
    "Omar", "Oscar", "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Ryan", "Saanvi", "Samuel",
    "Sara", "Sebastian", "Sofia", "Tariq", "Thomas", "Valentina", "Victor", "Wei", "Yara", "Zoe",
  ]
  static let last = [
    "Abara", "Adeyemi", "Alvarez", "Andersson", "Bauer", "Bennett", "Brooks", "Castillo", "Chen", "Cohen",
    "Costa", "Das", "Dubois", "Eriksen", "Fernandes", "Fischer", "Fitzgerald", "Garcia", "Gupta", "Haddad",
    "Hansen", "Hoang", "Ibrahim", "Ito", "Jensen", "Kamau", "Kaur", "Kim", "Kowalski", "Larsen",
    "Lee", "Lopez", "Martin", "Mehta", "Moreau", "Morales", "Murphy", "Nakamura", "Nguyen", "Novak",
    "Okafor", "Olsen", "Ortiz", "Patel", "Petrova", "Popescu", "Quinn", "Rahman", "Ramos", "Reyes",
    "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Suzuki", "Tanaka", "Torres", "Tran", "Varga",
    "Walsh", "Wang", "Weber", "Williams", "Wong", "Yamamoto", "Yilmaz", "Zhang", "Zimmermann", "Zhou",
  ]
}

/// Identity domains. Their expected issuers are configured in `rules/lists/`.
enum Domains {
  /// Hybrid domain: AzureAD and the company's own AD FS (`sts.contoso.example`).
  static let contoso = "contoso.example"
  /// Cloud-only subsidiary: AzureAD only.
  static let cloudOnly = "cloudonly.example"
  /// Acquired company, not configured: its issuers are learned.
  static let fabrikam = "fabrikam.example"
  /// Okta-managed subsidiary, not configured.
  static let northwind = "northwind.example"
  /// Non-human identities (agents, integrations): not configured.
  static let agents = "agents.contoso.example"

  static let contosoSTS = "sts.contoso.example"
}

enum Tenants {
  static let contoso = "5f1b6a2e-8c3d-4e7a-9b21-3c4d5e6f7a80"
  static let oktaOrg = "northwind.okta.com"
}
