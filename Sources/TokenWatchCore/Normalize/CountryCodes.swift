/// Okta (and other GeoIP-based sources) write the country's full English name ("United States",
/// "Russia"); Entra writes ISO 3166-1 alpha-2. Detectors compare countries, so everything is
/// mapped to alpha-2. Lookups ignore case, spacing, punctuation and Latin diacritics, so
/// "Côte d'Ivoire", "cote divoire" and "COTE D'IVOIRE" all find CI.
public enum CountryCodes {
  /// The alpha-2 code for `name`. Two-letter input is upper-cased and kept (it already is a code;
  /// the one exception is the common "UK", which is GB). Names we do not know pass through unchanged.
  public static func isoCode(for name: String) -> String {
    let utf8 = name.utf8
    if utf8.count == 2 {
      // The two bytes read once, not through `allSatisfy` and `!=`: this runs per sign-in, and
      // those made it about 320 instructions, this about 120.
      var bytes = utf8.makeIterator()
      let (first, second) = (bytes.next()!, bytes.next()!)
      func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }
      func isUpper(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "A") < 26 }
      if isLetter(first), isLetter(second) {
        let isUK = first | 0x20 == UInt8(ascii: "u") && second | 0x20 == UInt8(ascii: "k")
        if isUK { return "GB" }
        // Already a code as nearly every record writes it: no new string.
        if isUpper(first), isUpper(second) { return name }
        return name.uppercased()
      }
    }
    let key = foldedKey(name)
    if let code = codeByFoldedName[key] { return code }
    if key.hasPrefix("the"), let code = codeByFoldedName[String(key.dropFirst(3))] { return code }  // "The Gambia"
    return name
  }

  /// Every alpha-2 code we know (ISO 3166-1 plus XK, Kosovo, which GeoIP databases use).
  public static var allCodes: [String] { table.split(separator: "\n").map { String($0.prefix(2)) } }

  /// One line per country: the code, its usual English name, then aliases seen in GeoIP data
  /// (MaxMind's "Republic of Lithuania", "Hashemite Kingdom of Jordan", "DR Congo", …) and ISO's
  /// formal "Name, Qualifier of" spellings.
  static let table = """
    AD Andorra
    AE United Arab Emirates; UAE
    AF Afghanistan
    AG Antigua and Barbuda
    AI Anguilla
    AL Albania
    AM Armenia
    AO Angola
    AQ Antarctica
    AR Argentina
    AS American Samoa
    AT Austria
    AU Australia
    AW Aruba
    AX Åland Islands; Åland
    AZ Azerbaijan
    BA Bosnia and Herzegovina; Bosnia & Herzegovina; Bosnia
    BB Barbados
    BD Bangladesh
    BE Belgium
    BF Burkina Faso
    BG Bulgaria
    BH Bahrain
    BI Burundi
    BJ Benin
    BL Saint Barthélemy; St Barthélemy
    BM Bermuda
    BN Brunei; Brunei Darussalam
    BO Bolivia; Bolivia, Plurinational State of; Plurinational State of Bolivia
    BQ Bonaire, Sint Eustatius, and Saba; Caribbean Netherlands; Bonaire
    BR Brazil
    BS Bahamas
    BT Bhutan
    BV Bouvet Island
    BW Botswana
    BY Belarus
    BZ Belize
    CA Canada
    CC Cocos (Keeling) Islands; Cocos Islands
    CD DR Congo; Democratic Republic of the Congo; Congo, The Democratic Republic of the; Congo (Kinshasa); Congo-Kinshasa
    CF Central African Republic
    CG Congo Republic; Congo; Republic of the Congo; Congo (Brazzaville); Congo-Brazzaville
    CH Switzerland
    CI Ivory Coast; Côte d'Ivoire
    CK Cook Islands
    CL Chile
    CM Cameroon
    CN China; People's Republic of China
    CO Colombia
    CR Costa Rica
    CU Cuba
    CV Cabo Verde; Cape Verde
    CW Curaçao
    CX Christmas Island
    CY Cyprus
    CZ Czechia; Czech Republic
    DE Germany
    DJ Djibouti
    DK Denmark
    DM Dominica
    DO Dominican Republic
    DZ Algeria
    EC Ecuador
    EE Estonia
    EG Egypt
    EH Western Sahara
    ER Eritrea
    ES Spain
    ET Ethiopia
    FI Finland
    FJ Fiji
    FK Falkland Islands; Falkland Islands (Malvinas)
    FM Micronesia; Federated States of Micronesia; Micronesia, Federated States of
    FO Faroe Islands; Faroes
    FR France
    GA Gabon
    GB United Kingdom; Great Britain; United Kingdom of Great Britain and Northern Ireland; England; Scotland; Wales; Northern Ireland
    GD Grenada
    GE Georgia
    GF French Guiana
    GG Guernsey
    GH Ghana
    GI Gibraltar
    GL Greenland
    GM Gambia
    GN Guinea
    GP Guadeloupe
    GQ Equatorial Guinea
    GR Greece
    GS South Georgia and the South Sandwich Islands; South Georgia and South Sandwich Islands
    GT Guatemala
    GU Guam
    GW Guinea-Bissau
    GY Guyana
    HK Hong Kong
    HM Heard Island and McDonald Islands
    HN Honduras
    HR Croatia
    HT Haiti
    HU Hungary
    ID Indonesia
    IE Ireland; Republic of Ireland
    IL Israel
    IM Isle of Man
    IN India
    IO British Indian Ocean Territory
    IQ Iraq
    IR Iran; Islamic Republic of Iran; Iran, Islamic Republic of
    IS Iceland
    IT Italy
    JE Jersey
    JM Jamaica
    JO Jordan; Hashemite Kingdom of Jordan
    JP Japan
    KE Kenya
    KG Kyrgyzstan
    KH Cambodia
    KI Kiribati
    KM Comoros
    KN Saint Kitts and Nevis; St Kitts and Nevis
    KP North Korea; Democratic People's Republic of Korea; Korea, Democratic People's Republic of
    KR South Korea; Republic of Korea; Korea, Republic of; Korea
    KW Kuwait
    KY Cayman Islands
    KZ Kazakhstan
    LA Laos; Lao People's Democratic Republic
    LB Lebanon
    LC Saint Lucia; St Lucia
    LI Liechtenstein
    LK Sri Lanka
    LR Liberia
    LS Lesotho
    LT Lithuania; Republic of Lithuania
    LU Luxembourg
    LV Latvia
    LY Libya
    MA Morocco
    MC Monaco
    MD Moldova; Republic of Moldova; Moldova, Republic of
    ME Montenegro
    MF Saint Martin; Saint Martin (French part); St Martin
    MG Madagascar
    MH Marshall Islands
    MK North Macedonia; Macedonia; Republic of North Macedonia
    ML Mali
    MM Myanmar; Burma; Myanmar (Burma)
    MN Mongolia
    MO Macao; Macau
    MP Northern Mariana Islands
    MQ Martinique
    MR Mauritania
    MS Montserrat
    MT Malta
    MU Mauritius
    MV Maldives
    MW Malawi
    MX Mexico
    MY Malaysia
    MZ Mozambique
    NA Namibia
    NC New Caledonia
    NE Niger
    NF Norfolk Island
    NG Nigeria
    NI Nicaragua
    NL Netherlands; Holland; Kingdom of the Netherlands
    NO Norway
    NP Nepal
    NR Nauru
    NU Niue
    NZ New Zealand
    OM Oman
    PA Panama
    PE Peru
    PF French Polynesia
    PG Papua New Guinea
    PH Philippines
    PK Pakistan
    PL Poland
    PM Saint Pierre and Miquelon; St Pierre and Miquelon
    PN Pitcairn Islands; Pitcairn
    PR Puerto Rico
    PS Palestine; State of Palestine; Palestine, State of; Palestinian Territory; Palestinian Territories
    PT Portugal
    PW Palau
    PY Paraguay
    QA Qatar
    RE Réunion
    RO Romania
    RS Serbia
    RU Russia; Russian Federation
    RW Rwanda
    SA Saudi Arabia
    SB Solomon Islands
    SC Seychelles
    SD Sudan
    SE Sweden
    SG Singapore
    SH Saint Helena; Saint Helena, Ascension and Tristan da Cunha; St Helena
    SI Slovenia
    SJ Svalbard and Jan Mayen
    SK Slovakia; Slovak Republic
    SL Sierra Leone
    SM San Marino
    SN Senegal
    SO Somalia
    SR Suriname
    SS South Sudan
    ST São Tomé and Príncipe
    SV El Salvador
    SX Sint Maarten; Sint Maarten (Dutch part)
    SY Syria; Syrian Arab Republic
    SZ Eswatini; Swaziland
    TC Turks and Caicos Islands
    TD Chad
    TF French Southern Territories; French Southern and Antarctic Lands
    TG Togo
    TH Thailand
    TJ Tajikistan
    TK Tokelau
    TL Timor-Leste; East Timor
    TM Turkmenistan
    TN Tunisia
    TO Tonga
    TR Türkiye; Turkey
    TT Trinidad and Tobago
    TV Tuvalu
    TW Taiwan; Taiwan, Province of China
    TZ Tanzania; United Republic of Tanzania; Tanzania, United Republic of
    UA Ukraine
    UG Uganda
    UM U.S. Outlying Islands; United States Minor Outlying Islands
    US United States; United States of America; USA; America
    UY Uruguay
    UZ Uzbekistan
    VA Vatican City; Holy See; Holy See (Vatican City State); Vatican
    VC Saint Vincent and the Grenadines; St Vincent and Grenadines
    VE Venezuela; Bolivarian Republic of Venezuela; Venezuela, Bolivarian Republic of
    VG British Virgin Islands; Virgin Islands, British
    VI U.S. Virgin Islands; United States Virgin Islands; Virgin Islands, U.S.
    VN Vietnam; Viet Nam
    VU Vanuatu
    WF Wallis and Futuna
    WS Samoa
    XK Kosovo
    YE Yemen
    YT Mayotte
    ZA South Africa
    ZM Zambia
    ZW Zimbabwe
    """

  static let codeByFoldedName: [String: String] = {
    var map: [String: String] = [:]
    for line in table.split(separator: "\n") {
      let code = String(line.prefix(2))
      for name in line.dropFirst(3).split(separator: ";") {
        map[foldedKey(String(name))] = code
      }
    }
    return map
  }()

  /// Lower-case ASCII letters and digits only: spaces and punctuation dropped, Latin diacritics
  /// folded ("Åland" → "aland"), combining marks dropped. Other scripts are kept as they are.
  static func foldedKey(_ name: String) -> String {
    var key: [UInt8] = []
    key.reserveCapacity(name.utf8.count)
    for scalar in name.unicodeScalars {
      let value = scalar.value
      if value < 0x80 {
        let byte = UInt8(value)
        if (byte | 0x20) &- UInt8(ascii: "a") < 26 {
          key.append(byte | 0x20)
        } else if byte &- UInt8(ascii: "0") < 10 {
          key.append(byte)
        }
        continue
      }
      if (0x300...0x36F).contains(value) { continue }  // combining diacritical marks (decomposed text)
      for lower in scalar.properties.lowercaseMapping.unicodeScalars {
        if let folded = latinFolding[lower] {
          key.append(contentsOf: folded.utf8)
        } else {
          key.append(contentsOf: String(lower).utf8)
        }
      }
    }
    return String(decoding: key, as: UTF8.self)
  }

  private static let latinFolding: [Unicode.Scalar: String] = {
    let groups: [(String, String)] = [
      ("àáâãäåāăą", "a"), ("çćčĉ", "c"), ("ďđ", "d"), ("èéêëēėęě", "e"), ("ğ", "g"), ("ìíîïīı", "i"),
      ("ł", "l"), ("ñńň", "n"), ("òóôõöøō", "o"), ("ř", "r"), ("śšşș", "s"), ("ťţț", "t"),
      ("ùúûüūů", "u"), ("ýÿ", "y"), ("źżž", "z"), ("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("þ", "th"),
    ]
    var map: [Unicode.Scalar: String] = [:]
    for (letters, base) in groups {
      for scalar in letters.unicodeScalars { map[scalar] = base }
    }
    return map
  }()
}
