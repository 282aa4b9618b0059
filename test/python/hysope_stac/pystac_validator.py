"""A pystac validator on the repository's schema copies: `install()` makes `pystac` (and so `Client.validate()` in
stac-api-validator) validate offline, with Debian's jsonschema."""
import pystac
import pystac.validation
from pystac.errors import STACValidationError
from pystac.validation.stac_validator import STACValidator

from hysope_stac import MissingSchema, problems

KIND = {"CATALOG": "catalog", "COLLECTION": "collection", "ITEM": "item"}


class LocalSchemaValidator(STACValidator):
    def _validate(self, stac_dict, uri):
        try:
            found = problems(stac_dict, uri)
        except MissingSchema as e:
            raise STACValidationError(str(e)) from e
        if found:
            raise STACValidationError(f"{stac_dict.get('id')} breaks {uri}: {'; '.join(found[:5])}", source=found)
        return uri

    def validate_core(self, stac_dict, stac_object_type, stac_version, href=None):
        kind = KIND[str(getattr(stac_object_type, "name", stac_object_type)).upper()]
        return self._validate(stac_dict, f"https://schemas.stacspec.org/v{stac_version}/{kind}-spec/json-schema/{kind}.json")

    def validate_extension(self, stac_dict, stac_object_type, stac_version, extension_id, href=None):
        return self._validate(stac_dict, extension_id)


def install() -> None:
    pystac.validation.set_validator(LocalSchemaValidator())
