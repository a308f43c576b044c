"""Realistic synthetic history for the embedded default: tens of thousands of reports with their lifecycles.

Per tenant, reports cluster in space and time the way nuisance does (`hotspots`): nightlife blocks near the
centre (night noise, antisocial behaviour, drugs; Thursday to Saturday nights), schools (speeding and
dangerous parking at the school run), the edge of town (illegal dumping, evenings and weekends), the station
area (bike theft), a diffuse background for everything else, online crime from the reporters' homes, and one
or two *emerging* blocks where night-noise reports ramp up sharply in the last ten days. Times are drawn in
the tenant's own time zone, with weekly seasonality and slight growth; texts are short phrases in the
report's language; priority, unit and deadline come from the tenant's own rules (`triage`); every status
change follows `lifecycle.TRANSITIONS` and is an audited `ReportEvent`.

`generate_reports` is pure (no I/O) and deterministic for a given `random.Random`; `seed_all` writes what it
generates with `batch_write_item` over a few threads, each with its own boto3 client, using the item layout
of `koban.reports.storage`.
"""

from __future__ import annotations

import base64
import math
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from koban.dynamo import encode_json, serialize
from koban.i18n import pick, translate
from koban.ids import hash_token
from koban.reports.answers import validate_answers
from koban.reports.lifecycle import TRANSITIONS, Status
from koban.reports.models import STAFF_CHANNELS, Channel, EventKind, GeoPoint, Priority, Report, ReportEvent
from koban.reports.storage import event_to_item, report_to_item
from koban.reports.triage import triage
from koban.settings import get_settings
from koban.tenants.models import Category, Question, QuestionType, Tenant
from koban.tenants.service import list_categories, list_tenants

__all__ = [
    "Hotspot",
    "generate_reports",
    "hotspots",
    "seed_all",
    "seeded_id",
    "tenant_random",
]

# ================================================================================================ phrases
# Short texts as residents and officers write them, per language; a language without a bank falls back to
# English. Two variants per category; VARIANT_ANSWERS keeps the answers consistent with the variant chosen.

PHRASE_LANGUAGES: Final = ("en", "nl", "pl", "fi", "es", "pt", "fr", "de")

DESCRIPTIONS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "noise_night": {
        "en": (
            "Loud music from a flat upstairs, still going after midnight.",
            "Group of people shouting in the street outside the bars, nobody can sleep.",
        ),
        "nl": (
            "Harde muziek uit een bovenwoning, nog steeds bezig na middernacht.",
            "Groep mensen die op straat staat te schreeuwen bij de kroegen, niemand kan slapen.",
        ),
        "pl": (
            "Głośna muzyka z mieszkania piętro wyżej, nadal gra po północy.",
            "Grupa osób krzyczy na ulicy przed barami, nie da się spać.",
        ),
        "fi": (
            "Kovaa musiikkia yläkerran asunnosta, jatkuu vielä puolenyön jälkeen.",
            "Porukka huutaa kadulla baarien edessä, kukaan ei saa nukuttua.",
        ),
        "es": (
            "Música muy alta en un piso de arriba, sigue después de medianoche.",
            "Un grupo de personas gritando en la calle frente a los bares, no se puede dormir.",
        ),
        "pt": (
            "Música muito alta num apartamento de cima, continua depois da meia-noite.",
            "Grupo de pessoas aos gritos na rua à porta dos bares, ninguém consegue dormir.",
        ),
        "fr": (
            "Musique très forte dans un appartement au-dessus, toujours après minuit.",
            "Un groupe de personnes crie dans la rue devant les bars, impossible de dormir.",
        ),
        "de": (
            "Laute Musik aus einer Wohnung über uns, immer noch nach Mitternacht.",
            "Eine Gruppe schreit vor den Bars auf der Straße, niemand kann schlafen.",
        ),
    },
    "antisocial_behaviour": {
        "en": (
            "Youths hanging around the entrance drinking and intimidating passers-by.",
            "A group fighting and throwing bottles near the square.",
        ),
        "nl": (
            "Jongeren hangen bij de ingang rond, drinken en intimideren voorbijgangers.",
            "Een groep die vecht en met flessen gooit bij het plein.",
        ),
        "pl": (
            "Młodzież przesiaduje przy wejściu, pije alkohol i zaczepia przechodniów.",
            "Grupa osób bije się i rzuca butelkami w pobliżu placu.",
        ),
        "fi": (
            "Nuoret notkuvat sisäänkäynnillä, juovat ja häiritsevät ohikulkijoita.",
            "Porukka tappelee ja heittelee pulloja aukion lähellä.",
        ),
        "es": (
            "Jóvenes en el portal bebiendo e intimidando a los vecinos que pasan.",
            "Un grupo peleándose y tirando botellas cerca de la plaza.",
        ),
        "pt": (
            "Jovens à entrada do prédio a beber e a intimidar quem passa.",
            "Um grupo a lutar e a atirar garrafas perto da praça.",
        ),
        "fr": (
            "Des jeunes traînent devant l'entrée, boivent et intimident les passants.",
            "Un groupe se bat et lance des bouteilles près de la place.",
        ),
        "de": (
            "Jugendliche hängen am Eingang herum, trinken und pöbeln Passanten an.",
            "Eine Gruppe prügelt sich und wirft Flaschen in der Nähe des Platzes.",
        ),
    },
    "drug_nuisance": {
        "en": (
            "Dealing going on openly in the alley behind the shops, every evening.",
            "Used needles found in the stairwell again and a strong smell of weed.",
        ),
        "nl": (
            "Er wordt openlijk gedeald in de steeg achter de winkels, elke avond.",
            "Weer gebruikte naalden in het trappenhuis gevonden en een sterke wietlucht.",
        ),
        "pl": (
            "W zaułku za sklepami codziennie wieczorem otwarcie handlują narkotykami.",
            "Znowu zużyte strzykawki na klatce schodowej i silny zapach marihuany.",
        ),
        "fi": (
            "Kauppojen takana kujalla myydään huumeita avoimesti joka ilta.",
            "Porraskäytävästä löytyi taas käytettyjä neuloja ja vahva kannabiksen haju.",
        ),
        "es": (
            "Venden droga a la vista de todos en el callejón detrás de las tiendas, cada tarde.",
            "Otra vez jeringuillas usadas en la escalera y un olor fuerte a marihuana.",
        ),
        "pt": (
            "Há tráfico às claras na viela atrás das lojas, todas as noites.",
            "Encontrámos outra vez seringas usadas nas escadas e um cheiro forte a erva.",
        ),
        "fr": (
            "Du deal se fait ouvertement dans la ruelle derrière les commerces, tous les soirs.",
            "Encore des seringues usagées dans la cage d'escalier et une forte odeur de cannabis.",
        ),
        "de": (
            "In der Gasse hinter den Läden wird jeden Abend offen gedealt.",
            "Wieder benutzte Spritzen im Treppenhaus und starker Cannabisgeruch.",
        ),
    },
    "speeding": {
        "en": (
            "Cars racing past the school at drop-off time, far above the limit.",
            "Motorbikes speeding through the 30 zone every morning.",
        ),
        "nl": (
            "Auto's scheuren langs de school tijdens het brengen, veel te hard.",
            "Motoren rijden elke ochtend veel te hard door de 30-zone.",
        ),
        "pl": (
            "Samochody pędzą obok szkoły, gdy rodzice odprowadzają dzieci, dużo powyżej limitu.",
            "Motocykle codziennie rano przejeżdżają strefę 30 z dużą prędkością.",
        ),
        "fi": (
            "Autot ajavat koulun ohi aivan liian kovaa, kun lapsia tuodaan kouluun.",
            "Moottoripyörät ajavat ylinopeutta 30 km/h -alueella joka aamu.",
        ),
        "es": (
            "Coches pasando a toda velocidad por delante del colegio a la hora de entrada.",
            "Motos circulando muy por encima del límite en la zona 30 cada mañana.",
        ),
        "pt": (
            "Carros a passar em excesso de velocidade junto à escola à hora de entrada.",
            "Motas em excesso de velocidade na zona 30 todas as manhãs.",
        ),
        "fr": (
            "Des voitures passent à toute vitesse devant l'école à l'heure de la rentrée.",
            "Des motos roulent bien trop vite dans la zone 30 tous les matins.",
        ),
        "de": (
            "Autos rasen zur Bringzeit viel zu schnell an der Schule vorbei.",
            "Motorräder fahren jeden Morgen viel zu schnell durch die Tempo-30-Zone.",
        ),
    },
    "dangerous_parking": {
        "en": (
            "Parents parking on the pavement and the crossing in front of the school gate.",
            "Van parked on the cycle path, cyclists have to swerve into traffic.",
        ),
        "nl": (
            "Ouders parkeren op de stoep en het zebrapad voor het schoolhek.",
            "Busje geparkeerd op het fietspad, fietsers moeten de weg op uitwijken.",
        ),
        "pl": (
            "Rodzice parkują na chodniku i na przejściu przed bramą szkoły.",
            "Dostawczak zaparkowany na drodze rowerowej, rowerzyści muszą zjeżdżać na jezdnię.",
        ),
        "fi": (
            "Vanhemmat pysäköivät jalkakäytävälle ja suojatielle koulun portin eteen.",
            "Pakettiauto pysäköity pyörätielle, pyöräilijät joutuvat väistämään ajoradalle.",
        ),
        "es": (
            "Padres aparcando en la acera y en el paso de peatones delante del colegio.",
            "Una furgoneta aparcada en el carril bici, los ciclistas tienen que invadir la calzada.",
        ),
        "pt": (
            "Pais estacionam no passeio e na passadeira em frente ao portão da escola.",
            "Carrinha estacionada na ciclovia, os ciclistas têm de ir para a estrada.",
        ),
        "fr": (
            "Des parents se garent sur le trottoir et le passage piéton devant l'école.",
            "Une camionnette garée sur la piste cyclable, les cyclistes doivent se déporter sur la route.",
        ),
        "de": (
            "Eltern parken vor dem Schultor auf dem Gehweg und dem Zebrastreifen.",
            "Transporter auf dem Radweg geparkt, Radfahrer müssen auf die Fahrbahn ausweichen.",
        ),
    },
    "traffic_danger": {
        "en": (
            "Drivers keep running the red light at this junction, children cross here.",
            "The crossing is hard to see because of parked cars, near misses every day.",
        ),
        "nl": (
            "Automobilisten rijden hier steeds door rood, kinderen steken hier over.",
            "Het oversteekpunt is slecht zichtbaar door geparkeerde auto's, elke dag bijna-ongelukken.",
        ),
        "pl": (
            "Kierowcy ciągle przejeżdżają tu na czerwonym, a przechodzą tędy dzieci.",
            "Przejście jest słabo widoczne przez zaparkowane auta, codziennie niebezpieczne sytuacje.",
        ),
        "fi": (
            "Autoilijat ajavat jatkuvasti päin punaista tässä risteyksessä, lapset ylittävät tästä.",
            "Suojatie näkyy huonosti pysäköityjen autojen takia, läheltä piti -tilanteita päivittäin.",
        ),
        "es": (
            "Los conductores se saltan el semáforo en rojo en este cruce y aquí cruzan niños.",
            "El paso de peatones apenas se ve por los coches aparcados, casi hay accidentes a diario.",
        ),
        "pt": (
            "Os condutores passam constantemente o sinal vermelho neste cruzamento e as crianças atravessam aqui.",
            "A passadeira mal se vê por causa dos carros estacionados, há quase acidentes todos os dias.",
        ),
        "fr": (
            "Les conducteurs grillent sans cesse le feu rouge à ce carrefour, des enfants traversent ici.",
            "Le passage piéton est peu visible à cause des voitures garées, on frôle l'accident chaque jour.",
        ),
        "de": (
            "An dieser Kreuzung fahren ständig Autos über Rot, hier gehen Kinder über die Straße.",
            "Der Überweg ist wegen parkender Autos kaum zu sehen, täglich Beinahe-Unfälle.",
        ),
    },
    "illegal_dumping": {
        "en": (
            "Someone dumped a mattress and bags of rubbish next to the recycling bins.",
            "A van load of building rubble left at the end of the road by the field.",
        ),
        "nl": (
            "Iemand heeft een matras en vuilniszakken naast de containers gedumpt.",
            "Een busje vol bouwafval achtergelaten aan het eind van de weg bij het weiland.",
        ),
        "pl": (
            "Ktoś wyrzucił materac i worki ze śmieciami obok pojemników do segregacji.",
            "Cały bus gruzu budowlanego porzucony na końcu drogi przy polu.",
        ),
        "fi": (
            "Joku on jättänyt patjan ja roskapusseja kierrätysastioiden viereen.",
            "Pakettiautollinen rakennusjätettä jätetty tien päähän pellon laitaan.",
        ),
        "es": (
            "Alguien ha tirado un colchón y bolsas de basura junto a los contenedores de reciclaje.",
            "Una furgoneta de escombros abandonada al final del camino, junto al descampado.",
        ),
        "pt": (
            "Alguém deixou um colchão e sacos de lixo ao lado dos ecopontos.",
            "Uma carrinha de entulho de obras despejada no fim da estrada, junto ao terreno.",
        ),
        "fr": (
            "Quelqu'un a déposé un matelas et des sacs poubelles à côté des bulles de tri.",
            "Une camionnette de gravats abandonnée au bout du chemin, près du champ.",
        ),
        "de": (
            "Jemand hat eine Matratze und Müllsäcke neben den Wertstoffcontainern abgeladen.",
            "Eine Ladung Bauschutt am Ende der Straße beim Feld abgekippt.",
        ),
    },
    "graffiti_vandalism": {
        "en": (
            "New graffiti tags all over the bus shelter, one of the panels is smashed.",
            "Cars along the street had their mirrors kicked off last night.",
        ),
        "nl": (
            "Nieuwe graffiti op het bushokje, een van de ruiten is ingegooid.",
            "Bij auto's in de straat zijn vannacht de spiegels eraf getrapt.",
        ),
        "pl": (
            "Nowe graffiti na całym przystanku, jedna z szyb jest rozbita.",
            "W nocy wzdłuż ulicy ktoś powyrywał lusterka w samochodach.",
        ),
        "fi": (
            "Uusia töhryjä koko bussikatoksessa, yksi laseista on rikottu.",
            "Kadun varrella olevista autoista on potkittu peilit irti viime yönä.",
        ),
        "es": (
            "Pintadas nuevas por toda la marquesina del autobús, uno de los cristales está roto.",
            "Anoche arrancaron a patadas los retrovisores de los coches de la calle.",
        ),
        "pt": (
            "Graffiti novo em toda a paragem de autocarro, um dos vidros está partido.",
            "Esta noite arrancaram os espelhos dos carros estacionados na rua.",
        ),
        "fr": (
            "Nouveaux tags partout sur l'abribus, une des vitres est brisée.",
            "Cette nuit, les rétroviseurs des voitures de la rue ont été arrachés.",
        ),
        "de": (
            "Neue Graffiti überall an der Bushaltestelle, eine Scheibe ist eingeschlagen.",
            "Letzte Nacht wurden in der Straße bei mehreren Autos die Spiegel abgetreten.",
        ),
    },
    "bike_theft": {
        "en": (
            "My bike was stolen from the rack at the station while I was at work.",
            "E-bike taken from outside the station, the lock was cut.",
        ),
        "nl": (
            "Mijn fiets is gestolen uit het rek bij het station terwijl ik aan het werk was.",
            "E-bike weggehaald bij het station, het slot is doorgeknipt.",
        ),
        "pl": (
            "Ukradziono mój rower ze stojaka przy dworcu, kiedy byłem w pracy.",
            "Rower elektryczny zabrany spod dworca, zapięcie zostało przecięte.",
        ),
        "fi": (
            "Pyöräni varastettiin aseman telineestä, kun olin töissä.",
            "Sähköpyörä vietiin aseman edestä, lukko oli katkaistu.",
        ),
        "es": (
            "Me robaron la bici del aparcabicis de la estación mientras estaba trabajando.",
            "Se llevaron mi bici eléctrica de la puerta de la estación, cortaron el candado.",
        ),
        "pt": (
            "Roubaram a minha bicicleta do estacionamento da estação enquanto estava a trabalhar.",
            "Levaram a bicicleta elétrica à porta da estação, o cadeado foi cortado.",
        ),
        "fr": (
            "Mon vélo a été volé au parking vélos de la gare pendant que j'étais au travail.",
            "Vélo électrique volé devant la gare, l'antivol a été coupé.",
        ),
        "de": (
            "Mein Fahrrad wurde am Bahnhof aus dem Ständer gestohlen, während ich arbeiten war.",
            "E-Bike vor dem Bahnhof gestohlen, das Schloss wurde durchgeschnitten.",
        ),
    },
    "burglary_past": {
        "en": (
            "Came home to find the back door forced and the laptop and jewellery gone.",
            "Our shed was broken into over the weekend, tools were taken.",
        ),
        "nl": (
            "Bij thuiskomst was de achterdeur opengebroken en waren de laptop en sieraden weg.",
            "In het weekend is er ingebroken in onze schuur, gereedschap is meegenomen.",
        ),
        "pl": (
            "Po powrocie do domu tylne drzwi były wyważone, zniknął laptop i biżuteria.",
            "W weekend ktoś włamał się do naszej komórki i zabrał narzędzia.",
        ),
        "fi": (
            "Kotiin tullessa takaovi oli murrettu ja kannettava sekä korut olivat poissa.",
            "Varastoomme murtauduttiin viikonloppuna, työkaluja vietiin.",
        ),
        "es": (
            "Al volver a casa la puerta trasera estaba forzada y faltaban el portátil y las joyas.",
            "Entraron en nuestro trastero el fin de semana y se llevaron herramientas.",
        ),
        "pt": (
            "Quando cheguei a casa a porta das traseiras estava arrombada e o portátil e as joias tinham desaparecido.",
            "Assaltaram a nossa arrecadação no fim de semana e levaram ferramentas.",
        ),
        "fr": (
            "En rentrant, la porte arrière était forcée, l'ordinateur portable et les bijoux avaient disparu.",
            "Notre abri de jardin a été cambriolé ce week-end, des outils ont été emportés.",
        ),
        "de": (
            "Als ich nach Hause kam, war die Hintertür aufgebrochen, Laptop und Schmuck waren weg.",
            "Am Wochenende wurde in unseren Schuppen eingebrochen, Werkzeug wurde gestohlen.",
        ),
    },
    "online_fraud": {
        "en": (
            "Paid for a phone on a marketplace site, the seller stopped answering.",
            "Bought concert tickets through a social media ad, they never arrived.",
        ),
        "nl": (
            "Betaald voor een telefoon op een verkoopsite, de verkoper reageert niet meer.",
            "Concertkaartjes gekocht via een advertentie op sociale media, nooit ontvangen.",
        ),
        "pl": (
            "Zapłaciłem za telefon na portalu ogłoszeniowym, sprzedawca przestał odpowiadać.",
            "Kupiłam bilety na koncert przez reklamę w mediach społecznościowych, nigdy nie dotarły.",
        ),
        "fi": (
            "Maksoin puhelimesta kirpputorisivustolla, myyjä lakkasi vastaamasta.",
            "Ostin konserttiliput somemainoksen kautta, niitä ei koskaan tullut.",
        ),
        "es": (
            "Pagué un móvil en una web de segunda mano y el vendedor dejó de contestar.",
            "Compré entradas para un concierto en un anuncio de redes sociales y nunca llegaron.",
        ),
        "pt": (
            "Paguei um telemóvel num site de anúncios e o vendedor deixou de responder.",
            "Comprei bilhetes para um concerto num anúncio nas redes sociais e nunca chegaram.",
        ),
        "fr": (
            "J'ai payé un téléphone sur un site de petites annonces, le vendeur ne répond plus.",
            "Billets de concert achetés via une publicité sur les réseaux sociaux, jamais reçus.",
        ),
        "de": (
            "Handy auf einem Kleinanzeigenportal bezahlt, der Verkäufer meldet sich nicht mehr.",
            "Konzertkarten über eine Social-Media-Anzeige gekauft, sie kamen nie an.",
        ),
    },
    "phishing": {
        "en": (
            "Got a text pretending to be my bank asking me to confirm my details via a link.",
            "Email from a fake parcel service asking for a payment, looks very real.",
        ),
        "nl": (
            "Sms ontvangen die zogenaamd van mijn bank komt, ik moest via een link mijn gegevens bevestigen.",
            "E-mail van een nep-pakketdienst die om een betaling vraagt, ziet er heel echt uit.",
        ),
        "pl": (
            "Dostałem SMS-a rzekomo z banku z prośbą o potwierdzenie danych przez link.",
            "E-mail od fałszywej firmy kurierskiej z prośbą o dopłatę, wygląda bardzo wiarygodnie.",
        ),
        "fi": (
            "Sain tekstiviestin, joka esiintyi pankkinani ja pyysi vahvistamaan tiedot linkin kautta.",
            "Sähköposti valepakettipalvelulta, joka pyytää maksua, näyttää tosi aidolta.",
        ),
        "es": (
            "Me llegó un SMS haciéndose pasar por mi banco pidiendo confirmar mis datos en un enlace.",
            "Correo de una falsa empresa de paquetería pidiendo un pago, parece muy real.",
        ),
        "pt": (
            "Recebi um SMS a fingir ser do meu banco a pedir para confirmar os dados num link.",
            "Email de uma falsa empresa de entregas a pedir um pagamento, parece muito real.",
        ),
        "fr": (
            "J'ai reçu un SMS se faisant passer pour ma banque, il fallait confirmer mes données via un lien.",
            "E-mail d'un faux service de livraison demandant un paiement, il a l'air très réel.",
        ),
        "de": (
            "SMS angeblich von meiner Bank erhalten, ich sollte meine Daten über einen Link bestätigen.",
            "E-Mail eines falschen Paketdienstes mit Zahlungsaufforderung, sieht sehr echt aus.",
        ),
    },
    "hate_incident": {
        "en": (
            "A neighbour was insulted because of her headscarf at the tram stop.",
            "Racist slogans painted on the door of the community centre.",
        ),
        "nl": (
            "Een buurvrouw werd bij de tramhalte uitgescholden vanwege haar hoofddoek.",
            "Racistische leuzen op de deur van het buurthuis geschilderd.",
        ),
        "pl": (
            "Sąsiadka została znieważona na przystanku tramwajowym z powodu chusty.",
            "Na drzwiach domu kultury namalowano rasistowskie hasła.",
        ),
        "fi": (
            "Naapuriani herjattiin raitiovaunupysäkillä hänen huivinsa takia.",
            "Asukastalon oveen on maalattu rasistisia iskulauseita.",
        ),
        "es": (
            "Insultaron a una vecina en la parada del tranvía por llevar pañuelo.",
            "Han pintado lemas racistas en la puerta del centro cívico.",
        ),
        "pt": (
            "Uma vizinha foi insultada na paragem do elétrico por usar lenço.",
            "Pintaram frases racistas na porta do centro comunitário.",
        ),
        "fr": (
            "Une voisine a été insultée à l'arrêt de tram à cause de son foulard.",
            "Des slogans racistes peints sur la porte de la maison de quartier.",
        ),
        "de": (
            "Eine Nachbarin wurde an der Straßenbahnhaltestelle wegen ihres Kopftuchs beschimpft.",
            "Rassistische Parolen an die Tür des Nachbarschaftszentrums gesprüht.",
        ),
    },
    "radicalisation_concern": {
        "en": (
            "Worried about a young relative who shares extremist videos and has cut off his friends.",
            "A classmate talks more and more about violence and follows extremist channels.",
        ),
        "nl": (
            "Zorgen over een jong familielid dat extremistische filmpjes deelt en zijn vrienden heeft laten vallen.",
            "Een klasgenoot praat steeds vaker over geweld en volgt extremistische kanalen.",
        ),
        "pl": (
            "Martwię się o młodego krewnego, który udostępnia ekstremistyczne filmy i zerwał kontakt z przyjaciółmi.",
            "Kolega z klasy coraz częściej mówi o przemocy i śledzi ekstremistyczne kanały.",
        ),
        "fi": (
            "Olen huolissani nuoresta sukulaisesta, joka jakaa ääriliikkeiden videoita ja on eristäytynyt ystävistään.",
            "Luokkakaveri puhuu yhä enemmän väkivallasta ja seuraa ääriliikkeiden kanavia.",
        ),
        "es": (
            "Me preocupa un familiar joven que comparte vídeos extremistas y se ha alejado de sus amigos.",
            "Un compañero de clase habla cada vez más de violencia y sigue canales extremistas.",
        ),
        "pt": (
            "Estou preocupada com um familiar jovem que partilha vídeos extremistas e se afastou dos amigos.",
            "Um colega de turma fala cada vez mais de violência e segue canais extremistas.",
        ),
        "fr": (
            "Inquiet pour un jeune proche qui partage des vidéos extrémistes et s'est coupé de ses amis.",
            "Un camarade de classe parle de plus en plus de violence et suit des chaînes extrémistes.",
        ),
        "de": (
            "Sorge um einen jungen Verwandten, der extremistische Videos teilt und sich von Freunden abgewandt hat.",
            "Ein Mitschüler spricht immer öfter über Gewalt und folgt extremistischen Kanälen.",
        ),
    },
    "vulnerable_person": {
        "en": (
            "An elderly man seems confused and has been wandering the street in his slippers.",
            "A woman has been sleeping in the park for days and looks unwell.",
        ),
        "nl": (
            "Een oudere man lijkt verward en loopt op zijn pantoffels over straat.",
            "Een vrouw slaapt al dagen in het park en ziet er niet goed uit.",
        ),
        "pl": (
            "Starszy mężczyzna wydaje się zdezorientowany i chodzi po ulicy w kapciach.",
            "Od kilku dni w parku śpi kobieta, wygląda na chorą.",
        ),
        "fi": (
            "Iäkäs mies vaikuttaa sekavalta ja kävelee kadulla tohveleissa.",
            "Nainen on nukkunut puistossa jo päiviä ja näyttää huonovointiselta.",
        ),
        "es": (
            "Un señor mayor parece desorientado y va por la calle en zapatillas de casa.",
            "Una mujer lleva días durmiendo en el parque y tiene mal aspecto.",
        ),
        "pt": (
            "Um senhor idoso parece confuso e anda pela rua de chinelos.",
            "Uma mulher dorme no jardim há dias e parece doente.",
        ),
        "fr": (
            "Un homme âgé semble désorienté et erre dans la rue en pantoufles.",
            "Une femme dort dans le parc depuis plusieurs jours et semble mal en point.",
        ),
        "de": (
            "Ein älterer Mann wirkt verwirrt und läuft in Hausschuhen auf der Straße umher.",
            "Eine Frau schläft seit Tagen im Park und sieht krank aus.",
        ),
    },
    "domestic_concern": {
        "en": (
            "Again loud shouting and banging from the flat next door, a child is crying.",
            "I hear threats and things being thrown in the neighbours' flat most nights.",
        ),
        "nl": (
            "Weer hard geschreeuw en gebonk uit de buurwoning, een kind huilt.",
            "Ik hoor bijna elke nacht bedreigingen en gegooi met spullen bij de buren.",
        ),
        "pl": (
            "Znowu głośne krzyki i łomot z mieszkania obok, płacze dziecko.",
            "Prawie każdej nocy słyszę groźby i rzucanie rzeczami u sąsiadów.",
        ),
        "fi": (
            "Taas kovaa huutoa ja kolinaa naapuriasunnosta, lapsi itkee.",
            "Kuulen naapurista lähes joka yö uhkailua ja tavaroiden heittelyä.",
        ),
        "es": (
            "Otra vez gritos y golpes en el piso de al lado, y un niño llorando.",
            "Casi todas las noches oigo amenazas y cosas que se rompen en casa de los vecinos.",
        ),
        "pt": (
            "Outra vez gritos e pancadas no apartamento ao lado, uma criança a chorar.",
            "Quase todas as noites ouço ameaças e coisas a serem atiradas em casa dos vizinhos.",
        ),
        "fr": (
            "Encore des cris et des coups dans l'appartement voisin, un enfant pleure.",
            "J'entends presque chaque nuit des menaces et des objets lancés chez les voisins.",
        ),
        "de": (
            "Wieder lautes Schreien und Poltern aus der Nachbarwohnung, ein Kind weint.",
            "Fast jede Nacht höre ich Drohungen und wie bei den Nachbarn Dinge geworfen werden.",
        ),
    },
    "lost_property": {
        "en": (
            "Lost my wallet somewhere between the tram stop and the supermarket.",
            "Found a set of keys on the bench by the playground.",
        ),
        "nl": (
            "Mijn portemonnee verloren ergens tussen de tramhalte en de supermarkt.",
            "Een bos sleutels gevonden op het bankje bij de speeltuin.",
        ),
        "pl": (
            "Zgubiłem portfel gdzieś między przystankiem tramwajowym a supermarketem.",
            "Znalazłam pęk kluczy na ławce przy placu zabaw.",
        ),
        "fi": (
            "Hukkasin lompakkoni jonnekin raitiovaunupysäkin ja kaupan välille.",
            "Löysin avainnipun leikkipuiston penkiltä.",
        ),
        "es": (
            "Perdí la cartera entre la parada del tranvía y el supermercado.",
            "He encontrado unas llaves en el banco junto al parque infantil.",
        ),
        "pt": (
            "Perdi a carteira algures entre a paragem do elétrico e o supermercado.",
            "Encontrei um molho de chaves no banco ao pé do parque infantil.",
        ),
        "fr": (
            "J'ai perdu mon portefeuille entre l'arrêt de tram et le supermarché.",
            "Trouvé un trousseau de clés sur le banc près de l'aire de jeux.",
        ),
        "de": (
            "Geldbörse irgendwo zwischen Straßenbahnhaltestelle und Supermarkt verloren.",
            "Schlüsselbund auf der Bank am Spielplatz gefunden.",
        ),
    },
    "street_lighting": {
        "en": (
            "Three street lights in a row are out, the path is pitch dark.",
            "The lamp post on the corner keeps flickering all night.",
        ),
        "nl": (
            "Drie lantaarnpalen op rij zijn uit, het pad is pikdonker.",
            "De lantaarnpaal op de hoek knippert de hele nacht.",
        ),
        "pl": (
            "Trzy latarnie z rzędu nie świecą, na ścieżce jest zupełnie ciemno.",
            "Latarnia na rogu miga przez całą noc.",
        ),
        "fi": (
            "Kolme katuvaloa peräkkäin on pimeänä, polku on säkkipimeä.",
            "Kulman katuvalo vilkkuu koko yön.",
        ),
        "es": (
            "Tres farolas seguidas están apagadas, el camino está totalmente a oscuras.",
            "La farola de la esquina parpadea toda la noche.",
        ),
        "pt": (
            "Três candeeiros seguidos estão apagados, o caminho está completamente às escuras.",
            "O candeeiro da esquina está sempre a piscar durante a noite.",
        ),
        "fr": (
            "Trois lampadaires d'affilée sont éteints, le chemin est plongé dans le noir.",
            "Le lampadaire au coin de la rue clignote toute la nuit.",
        ),
        "de": (
            "Drei Straßenlaternen hintereinander sind aus, der Weg ist stockdunkel.",
            "Die Laterne an der Ecke flackert die ganze Nacht.",
        ),
    },
    "road_damage": {
        "en": (
            "Deep pothole in the cycle lane, a cyclist nearly fell.",
            "Loose paving stones on the pavement, an older lady tripped.",
        ),
        "nl": (
            "Diep gat in de fietsstrook, een fietser viel bijna.",
            "Losliggende stoeptegels, een oudere dame is gestruikeld.",
        ),
        "pl": (
            "Głęboka dziura na pasie rowerowym, rowerzysta prawie się przewrócił.",
            "Luźne płyty chodnikowe, starsza pani się potknęła.",
        ),
        "fi": (
            "Syvä kuoppa pyöräkaistalla, pyöräilijä oli vähällä kaatua.",
            "Irtonaisia kiveyksiä jalkakäytävällä, iäkäs nainen kompastui.",
        ),
        "es": (
            "Un bache profundo en el carril bici, un ciclista casi se cae.",
            "Baldosas sueltas en la acera, una señora mayor tropezó.",
        ),
        "pt": (
            "Buraco fundo na ciclovia, um ciclista quase caiu.",
            "Calçada solta no passeio, uma senhora idosa tropeçou.",
        ),
        "fr": (
            "Nid-de-poule profond sur la bande cyclable, un cycliste a failli tomber.",
            "Pavés descellés sur le trottoir, une dame âgée a trébuché.",
        ),
        "de": (
            "Tiefes Schlagloch auf dem Radstreifen, ein Radfahrer wäre fast gestürzt.",
            "Lose Gehwegplatten, eine ältere Dame ist gestolpert.",
        ),
    },
    "police_feedback": {
        "en": (
            "Thanks to the officers who helped after the break-in, very kind and quick.",
            "Nobody called me back about my report from last month.",
        ),
        "nl": (
            "Dank aan de agenten die hielpen na de inbraak, heel vriendelijk en snel.",
            "Niemand heeft me teruggebeld over mijn melding van vorige maand.",
        ),
        "pl": (
            "Dziękuję policjantom, którzy pomogli po włamaniu, bardzo mili i szybcy.",
            "Nikt do mnie nie oddzwonił w sprawie zgłoszenia z zeszłego miesiąca.",
        ),
        "fi": (
            "Kiitos poliiseille, jotka auttoivat murron jälkeen, todella ystävällisiä ja nopeita.",
            "Kukaan ei ole soittanut takaisin viime kuun ilmoituksestani.",
        ),
        "es": (
            "Gracias a los agentes que nos ayudaron tras el robo, muy amables y rápidos.",
            "Nadie me ha devuelto la llamada sobre mi denuncia del mes pasado.",
        ),
        "pt": (
            "Obrigado aos agentes que ajudaram depois do assalto, muito simpáticos e rápidos.",
            "Ninguém me ligou de volta sobre a minha denúncia do mês passado.",
        ),
        "fr": (
            "Merci aux agents qui nous ont aidés après le cambriolage, très aimables et rapides.",
            "Personne ne m'a rappelé au sujet de mon signalement du mois dernier.",
        ),
        "de": (
            "Danke an die Beamten, die nach dem Einbruch geholfen haben, sehr freundlich und schnell.",
            "Niemand hat mich wegen meiner Meldung vom letzten Monat zurückgerufen.",
        ),
    },
    "contact_neighbourhood_officer": {
        "en": (
            "I would like to talk to our community officer about the nuisance in our street.",
            "Could the neighbourhood officer come to our residents' meeting next month?",
        ),
        "nl": (
            "Ik wil graag met onze wijkagent praten over de overlast in onze straat.",
            "Kan de wijkagent volgende maand naar onze bewonersvergadering komen?",
        ),
        "pl": (
            "Chciałbym porozmawiać z naszym dzielnicowym o uciążliwościach na naszej ulicy.",
            "Czy dzielnicowy mógłby przyjść na zebranie mieszkańców w przyszłym miesiącu?",
        ),
        "fi": (
            "Haluaisin puhua lähipoliisin kanssa kadullamme olevista häiriöistä.",
            "Voisiko lähipoliisi tulla asukaskokoukseemme ensi kuussa?",
        ),
        "es": (
            "Me gustaría hablar con el agente de barrio sobre las molestias en nuestra calle.",
            "¿Podría el agente de barrio venir a la reunión de vecinos del mes que viene?",
        ),
        "pt": (
            "Gostaria de falar com o agente de proximidade sobre os incómodos na nossa rua.",
            "O agente de proximidade podia vir à reunião de moradores do próximo mês?",
        ),
        "fr": (
            "J'aimerais parler à notre agent de quartier des nuisances dans notre rue.",
            "L'agent de quartier pourrait-il venir à notre réunion de riverains le mois prochain ?",
        ),
        "de": (
            "Ich möchte mit unserem Kontaktbeamten über die Störungen in unserer Straße sprechen.",
            "Könnte der Bezirksbeamte nächsten Monat zu unserer Anwohnerversammlung kommen?",
        ),
    },
}

# Appended to some reports of these groups, for variety.
RECURRING_GROUPS: Final = frozenset({"nuisance", "traffic", "environment", "municipal"})
SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "en": ("This happens almost every week.", "Please send someone to have a look.", "Other neighbours have noticed it too."),
    "nl": ("Dit gebeurt bijna elke week.", "Graag iemand langs laten komen.", "Andere buren hebben het ook gemerkt."),
    "pl": (
        "Zdarza się to prawie co tydzień.",
        "Proszę przysłać kogoś, żeby to sprawdził.",
        "Inni sąsiedzi też to zauważyli.",
    ),
    "fi": ("Tätä tapahtuu melkein joka viikko.", "Voisiko joku tulla katsomaan?", "Muutkin naapurit ovat huomanneet tämän."),
    "es": (
        "Esto pasa casi todas las semanas.",
        "Por favor, manden a alguien a echar un vistazo.",
        "Otros vecinos también lo han notado.",
    ),
    "pt": ("Isto acontece quase todas as semanas.", "Por favor mandem alguém ver.", "Outros vizinhos também já repararam."),
    "fr": (
        "Cela arrive presque chaque semaine.",
        "Merci d'envoyer quelqu'un sur place.",
        "D'autres voisins l'ont aussi remarqué.",
    ),
    "de": ("Das passiert fast jede Woche.", "Bitte schicken Sie jemanden vorbei.", "Andere Nachbarn haben es auch bemerkt."),
}

# What officers tell the reporter at each status change (the transition's public note).
PUBLIC_NOTES: Final[dict[Status, dict[str, tuple[str, str]]]] = {
    Status.VERIFYING: {
        "en": ("We are looking into your report.", "An officer is checking the situation."),
        "nl": ("We bekijken uw melding.", "Een agent gaat de situatie controleren."),
        "pl": ("Sprawdzamy Twoje zgłoszenie.", "Funkcjonariusz weryfikuje sytuację."),
        "fi": ("Selvitämme ilmoitustasi.", "Poliisi tarkistaa tilanteen."),
        "es": ("Estamos revisando su aviso.", "Un agente está comprobando la situación."),
        "pt": ("Estamos a analisar a sua denúncia.", "Um agente está a verificar a situação."),
        "fr": ("Nous examinons votre signalement.", "Un agent vérifie la situation."),
        "de": ("Wir prüfen Ihre Meldung.", "Ein Beamter prüft die Lage vor Ort."),
    },
    Status.CONFIRMED: {
        "en": ("The problem has been confirmed; we will take action.", "Confirmed by an officer on site."),
        "nl": ("Het probleem is bevestigd; we gaan ermee aan de slag.", "Ter plaatse bevestigd door een agent."),
        "pl": ("Problem został potwierdzony; podejmiemy działania.", "Potwierdzone przez funkcjonariusza na miejscu."),
        "fi": ("Ongelma on vahvistettu; ryhdymme toimiin.", "Poliisi vahvisti tilanteen paikan päällä."),
        "es": ("Hemos confirmado el problema y vamos a actuar.", "Confirmado por un agente en el lugar."),
        "pt": ("O problema foi confirmado; vamos agir.", "Confirmado por um agente no local."),
        "fr": ("Le problème est confirmé ; nous allons intervenir.", "Confirmé par un agent sur place."),
        "de": ("Das Problem wurde bestätigt; wir kümmern uns darum.", "Vor Ort von einem Beamten bestätigt."),
    },
    Status.IN_PROGRESS: {
        "en": ("We are working on it; extra patrols are planned.", "The case has been assigned to a team."),
        "nl": ("We zijn ermee bezig; er worden extra surveillances ingepland.", "De zaak is toegewezen aan een team."),
        "pl": ("Pracujemy nad tym; zaplanowano dodatkowe patrole.", "Sprawa została przydzielona zespołowi."),
        "fi": ("Asiaa hoidetaan; lisäpartiointia on suunniteltu.", "Asia on annettu tiimin hoidettavaksi."),
        "es": ("Estamos trabajando en ello; hay patrullas adicionales previstas.", "El caso se ha asignado a un equipo."),
        "pt": ("Estamos a tratar do assunto; estão previstas patrulhas adicionais.", "O caso foi atribuído a uma equipa."),
        "fr": ("Nous nous en occupons ; des patrouilles supplémentaires sont prévues.", "Le dossier a été confié à une équipe."),
        "de": ("Wir kümmern uns darum; zusätzliche Streifen sind geplant.", "Der Fall wurde einem Team übergeben."),
    },
    Status.RESOLVED: {
        "en": ("Resolved. Thank you for your report.", "Officers dealt with it on site. Thank you for letting us know."),
        "nl": ("Afgehandeld. Dank voor uw melding.", "Agenten hebben het ter plaatse opgelost. Dank dat u het meldde."),
        "pl": (
            "Sprawa załatwiona. Dziękujemy za zgłoszenie.",
            "Funkcjonariusze rozwiązali problem na miejscu. Dziękujemy za informację.",
        ),
        "fi": ("Asia on hoidettu. Kiitos ilmoituksestasi.", "Poliisi hoiti asian paikan päällä. Kiitos tiedosta."),
        "es": ("Resuelto. Gracias por su aviso.", "Los agentes lo resolvieron en el lugar. Gracias por avisarnos."),
        "pt": (
            "Resolvido. Obrigado pela sua denúncia.",
            "Os agentes resolveram a situação no local. Obrigado por nos avisar.",
        ),
        "fr": (
            "Résolu. Merci pour votre signalement.",
            "Les agents ont réglé la situation sur place. Merci de nous avoir prévenus.",
        ),
        "de": ("Erledigt. Vielen Dank für Ihre Meldung.", "Die Beamten haben das vor Ort geklärt. Danke für Ihren Hinweis."),
    },
    Status.REFERRED: {
        "en": ("Passed on to the municipality, which is responsible for this.", "Forwarded to the responsible partner."),
        "nl": ("Doorgestuurd naar de gemeente, die hiervoor verantwoordelijk is.", "Doorgezet naar de verantwoordelijke partner."),
        "pl": ("Przekazano do urzędu miasta, który za to odpowiada.", "Przekazano do odpowiedzialnej instytucji."),
        "fi": ("Välitetty kaupungille, joka vastaa asiasta.", "Välitetty vastuussa olevalle yhteistyökumppanille."),
        "es": ("Remitido al ayuntamiento, que es el responsable.", "Remitido a la entidad colaboradora responsable."),
        "pt": ("Encaminhado para a câmara municipal, a entidade responsável.", "Encaminhado para a entidade parceira responsável."),
        "fr": ("Transmis à la commune, qui est compétente.", "Transmis à l'organisation partenaire compétente."),
        "de": ("An die Stadt weitergeleitet, die dafür zuständig ist.", "An die zuständige Partnerorganisation weitergeleitet."),
    },
    Status.UNCONFIRMED: {
        "en": (
            "Officers checked but found nothing on arrival.",
            "We could not confirm the situation. Please report again if it happens again.",
        ),
        "nl": (
            "Agenten zijn gaan kijken maar troffen niets aan.",
            "We konden de situatie niet bevestigen. Meld het gerust opnieuw als het weer gebeurt.",
        ),
        "pl": (
            "Funkcjonariusze sprawdzili, ale na miejscu niczego nie stwierdzili.",
            "Nie udało się potwierdzić sytuacji. Prosimy o ponowne zgłoszenie, jeśli się powtórzy.",
        ),
        "fi": (
            "Poliisi kävi paikalla, mutta mitään ei havaittu.",
            "Tilannetta ei voitu vahvistaa. Ilmoita uudelleen, jos tilanne toistuu.",
        ),
        "es": (
            "Los agentes acudieron pero no encontraron nada.",
            "No hemos podido confirmar la situación. Vuelva a avisarnos si se repite.",
        ),
        "pt": (
            "Os agentes foram ao local mas não encontraram nada.",
            "Não foi possível confirmar a situação. Volte a avisar se acontecer de novo.",
        ),
        "fr": (
            "Les agents sont passés mais n'ont rien constaté.",
            "Nous n'avons pas pu confirmer la situation. Signalez-le à nouveau si cela se reproduit.",
        ),
        "de": (
            "Die Beamten waren vor Ort, konnten aber nichts feststellen.",
            "Wir konnten die Lage nicht bestätigen. Bitte melden Sie sich erneut, wenn es wieder passiert.",
        ),
    },
    Status.REJECTED: {
        "en": (
            "This report does not concern a matter for the police.",
            "We cannot act on this report; it contains too little information.",
        ),
        "nl": ("Deze melding is geen zaak voor de politie.", "We kunnen niets met deze melding; er staat te weinig informatie in."),
        "pl": (
            "To zgłoszenie nie dotyczy spraw policji.",
            "Nie możemy podjąć działań; zgłoszenie zawiera za mało informacji.",
        ),
        "fi": (
            "Ilmoitus ei koske poliisin hoidettavaa asiaa.",
            "Emme voi toimia ilmoituksen perusteella, siinä on liian vähän tietoja.",
        ),
        "es": ("Este aviso no es competencia de la policía.", "No podemos actuar con este aviso; contiene muy poca información."),
        "pt": (
            "Esta denúncia não diz respeito a um assunto policial.",
            "Não podemos agir com base nesta denúncia; tem pouca informação.",
        ),
        "fr": (
            "Ce signalement ne relève pas de la police.",
            "Nous ne pouvons pas donner suite : le signalement contient trop peu d'informations.",
        ),
        "de": (
            "Diese Meldung betrifft keine polizeiliche Angelegenheit.",
            "Wir können nicht tätig werden; die Meldung enthält zu wenige Angaben.",
        ),
    },
    Status.DUPLICATE: {
        "en": (
            "This was already reported; we are handling it under the earlier report.",
            "Linked to an earlier report of the same problem.",
        ),
        "nl": (
            "Dit was al gemeld; we behandelen het onder de eerdere melding.",
            "Gekoppeld aan een eerdere melding van hetzelfde probleem.",
        ),
        "pl": (
            "To zostało już zgłoszone; zajmujemy się tym w ramach wcześniejszego zgłoszenia.",
            "Połączono z wcześniejszym zgłoszeniem tego samego problemu.",
        ),
        "fi": (
            "Tästä oli jo ilmoitettu; käsittelemme asiaa aiemman ilmoituksen yhteydessä.",
            "Yhdistetty aiempaan ilmoitukseen samasta ongelmasta.",
        ),
        "es": ("Ya se había avisado; lo tratamos junto con el aviso anterior.", "Vinculado a un aviso anterior sobre el mismo problema."),
        "pt": (
            "Isto já tinha sido denunciado; estamos a tratar no âmbito da denúncia anterior.",
            "Associado a uma denúncia anterior sobre o mesmo problema.",
        ),
        "fr": (
            "Cela a déjà été signalé ; nous le traitons avec le signalement précédent.",
            "Lié à un signalement antérieur du même problème.",
        ),
        "de": (
            "Das wurde bereits gemeldet; wir bearbeiten es unter der früheren Meldung.",
            "Mit einer früheren Meldung zum selben Problem verknüpft.",
        ),
    },
}

# Officers' own notes, in the tenant's first language.
INTERNAL_NOTES: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "Known location, several earlier reports.",
        "Tried to call the reporter back, no answer.",
        "Discussed in the morning briefing.",
        "Follow-up by the community officer.",
    ),
    "nl": (
        "Bekende locatie, meerdere eerdere meldingen.",
        "Melder teruggebeld, geen gehoor.",
        "Besproken in de ochtendbriefing.",
        "Opvolging door de wijkagent.",
    ),
    "pl": (
        "Znana lokalizacja, kilka wcześniejszych zgłoszeń.",
        "Próba kontaktu ze zgłaszającym, bez odpowiedzi.",
        "Omówione na porannej odprawie.",
        "Dalsze działania: dzielnicowy.",
    ),
    "fi": (
        "Tuttu paikka, useita aiempia ilmoituksia.",
        "Yritetty soittaa ilmoittajalle, ei vastausta.",
        "Käsitelty aamupalaverissa.",
        "Lähipoliisi jatkaa asian seurantaa.",
    ),
    "es": (
        "Ubicación conocida, varios avisos anteriores.",
        "Se intentó llamar al denunciante, sin respuesta.",
        "Tratado en la reunión de la mañana.",
        "Seguimiento por el agente de barrio.",
    ),
    "pt": (
        "Local conhecido, várias denúncias anteriores.",
        "Tentámos ligar ao denunciante, sem resposta.",
        "Discutido no briefing da manhã.",
        "Acompanhamento pelo agente de proximidade.",
    ),
    "fr": (
        "Lieu connu, plusieurs signalements antérieurs.",
        "Tentative de rappel du déclarant, sans réponse.",
        "Évoqué au briefing du matin.",
        "Suivi par l'agent de quartier.",
    ),
    "de": (
        "Bekannter Ort, mehrere frühere Meldungen.",
        "Meldenden zurückgerufen, niemand erreicht.",
        "In der Morgenbesprechung besprochen.",
        "Nachverfolgung durch den Bezirksbeamten.",
    ),
}

# Free-text answer of a burglary, per description variant.
ITEMS_STOLEN: Final[dict[str, tuple[str, str]]] = {
    "en": ("laptop, jewellery, some cash", "drill and other tools"),
    "nl": ("laptop, sieraden, wat contant geld", "boormachine en ander gereedschap"),
    "pl": ("laptop, biżuteria, trochę gotówki", "wiertarka i inne narzędzia"),
    "fi": ("kannettava tietokone, korut, vähän käteistä", "porakone ja muita työkaluja"),
    "es": ("portátil, joyas, algo de dinero", "taladro y otras herramientas"),
    "pt": ("portátil, joias, algum dinheiro", "berbequim e outras ferramentas"),
    "fr": ("ordinateur portable, bijoux, un peu d'argent liquide", "perceuse et autres outils"),
    "de": ("Laptop, Schmuck, etwas Bargeld", "Bohrmaschine und anderes Werkzeug"),
}

# Answers that make a description variant true (question code → value), per category and variant.
VARIANT_ANSWERS: Final[dict[str, tuple[dict[str, Any], dict[str, Any]]]] = {
    "noise_night": ({"noise_source": "music"}, {"noise_source": "shouting"}),
    "antisocial_behaviour": ({"behaviour": ["public_drinking", "intimidation"]}, {"behaviour": ["fighting"]}),
    "drug_nuisance": ({"activity": ["dealing"]}, {"activity": ["needles", "smell"]}),
    "speeding": ({"vehicle_type": "car", "near_school": True}, {"vehicle_type": "motorcycle"}),
    "dangerous_parking": ({"obstruction": ["pavement", "crossing"]}, {"obstruction": ["cycle_path"]}),
    "traffic_danger": ({"danger_type": "red_light"}, {"danger_type": "poor_visibility"}),
    "illegal_dumping": (
        {"waste_type": ["furniture", "household"]},
        {"waste_type": ["building_rubble"], "volume": "van_load"},
    ),
    "graffiti_vandalism": ({"target": "public_transport"}, {"target": "vehicle"}),
    "bike_theft": ({}, {"bike_type": "e_bike", "locked": True}),
    "burglary_past": ({"premises": "house", "entry_method": "door"}, {"premises": "shed_garage"}),
    "phishing": ({"received_via": "sms"}, {"received_via": "email"}),
    "hate_incident": (
        {"incident_type": "verbal", "motive": ["religion"]},
        {"incident_type": "property", "motive": ["origin"]},
    ),
    "radicalisation_concern": (
        {"signs": ["propaganda", "isolation"], "relation": "family", "person_age": "minor"},
        {"signs": ["violence_interest", "extremist_statements"], "relation": "school_work"},
    ),
    "vulnerable_person": ({"concern": ["confusion"], "person_age": "older"}, {"concern": ["homelessness"]}),
    "domestic_concern": (
        {"observed": ["shouting", "violence_sounds", "crying_child"], "children_present": "yes"},
        {"observed": ["threats"], "frequency": "often"},
    ),
    "lost_property": ({"lost_or_found": "lost", "item_type": "wallet"}, {"lost_or_found": "found", "item_type": "keys"}),
    "street_lighting": ({"problem": "out", "lamps_affected": 3}, {"problem": "flickering", "lamps_affected": 1}),
    "road_damage": (
        {"damage_type": "pothole", "hazard_for": ["cyclists"]},
        {"damage_type": "loose_paving", "hazard_for": ["pedestrians"]},
    ),
    "police_feedback": (
        {"feedback_type": "compliment", "satisfaction": 5},
        {"feedback_type": "complaint", "wants_response": True},
    ),
    "contact_neighbourhood_officer": ({"topic": "local_problem"}, {"topic": "meeting"}),
}

MARKETPLACES: Final[dict[str, tuple[str, ...]]] = {
    "NL": ("Marktplaats", "Facebook Marketplace", "Vinted", "Instagram"),
    "PL": ("OLX", "Allegro Lokalnie", "Facebook Marketplace", "Vinted"),
    "FI": ("Tori.fi", "Facebook Marketplace", "Huuto.net", "Instagram"),
    "ES": ("Wallapop", "Milanuncios", "Facebook Marketplace", "Vinted"),
    "PT": ("OLX", "CustoJusto", "Facebook Marketplace", "Vinted"),
    "BE": ("2ememain / 2dehands", "Facebook Marketplace", "Vinted", "Instagram"),
}
# Licence plate shapes per country: L a letter, D a digit.
PLATES: Final[dict[str, str]] = {
    "NL": "LL-DDD-L",
    "PL": "WL DDDDD",
    "FI": "LLL-DDD",
    "ES": "DDDD LLL",
    "PT": "LL-DD-LL",
    "BE": "D-LLL-DDD",
}
