graph [
  DateObtained "1/01/12"
  GeoLocation "Europe"
  GeoExtent "Continent"
  Network "Zoo Small"
  Provenance "Primary"
  Type "REN"
  NetworkDate "2011"
  label "Zoo Small"
  Layer "IP"
  Creator "Topology Zoo Toolset"
  node [
    id 0
    label "Paris"
    Country "France"
    Longitude 2.3488
    Internal 1
    Latitude 48.85341
  ]
  node [
    id 1
    label "Z&#252;rich"
    Country "Switzerland"
    Longitude 8.55
    Internal 1
    Latitude 47.36667
  ]
  node [
    id 2
    label "Paris"
    Country "France"
    Longitude 2.35
    Internal 0
    Latitude 48.86
  ]
  node [
    id 3
    label "Frankfurt"
    Country "Germany"
    Longitude 8.68333
    Internal 1
    Latitude 50.11667
  ]
  node [
    id 4
    label "None"
    hyperedge 1
    Internal 1
  ]
  edge [
    source 0
    target 1
    LinkSpeed "10"
    LinkLabel "10 Gbps"
    LinkSpeedUnits "G"
    LinkSpeedRaw 10000000000.0
  ]
  edge [
    source 0
    target 1
    LinkLabel "backup"
  ]
  edge [
    source 1
    target 3
    LinkSpeed "2.5"
    LinkSpeedUnits "G"
  ]
  edge [
    source 0
    target 2
    LinkLabel "Metro"
  ]
  edge [
    source 3
    target 4
    LinkSpeed "155"
    LinkLabel "STM-1"
    LinkSpeedUnits "M"
    LinkSpeedRaw 155000000.0
  ]
  edge [
    source 2
    target 4
  ]
]
